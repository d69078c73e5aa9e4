#include "seqvi/store/checkpoint.hpp"

#include "support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <fstream>

namespace seqvi::store {
namespace {

Checkpoint sample_checkpoint() {
  Checkpoint cp;
  cp.hyperparameters = {{"model", std::string("vosp")},
                        {"hidden", std::int64_t{400}},
                        {"step_rate", 1e-3},
                        {"learn_keep", true},
                        {"bucketing", false}};
  cp.dataset_name = "JSB Chorales";
  cp.dataset_sha256 = std::string(64, 'a');
  auto& s = cp.state;
  // Names out of alphabetical order: the reader must keep the writer's order.
  s.params.add("rec.W_in", 3, 2);
  s.params.add("rec.W_rec", 2, 2);
  s.params.add("out.b", 1, 3);
  for (std::size_t i = 0; i < s.params.size(); ++i) s.params[i].setRandom();
  s.best_params = s.params;
  s.best_params[0](1, 1) = 42.0f;
  s.optimizer = train::RmspropState<float>::initial(s.params);
  s.optimizer.velocity[2](0, 2) = -0.5f;
  s.epoch = 3;
  s.batch = 7;
  s.partial_recon = 123.25;
  s.partial_kl = 4.5;
  s.partial_frames = 999;
  s.partial_seconds = 1.5;
  s.best_valid = 8.75;
  s.best_epoch = 2;
  s.bad_epochs = 1;
  s.curve = {{1, 10.0, 9.5, 1.0, 8.5, 2.0, 1000.0},
             {2, 9.0, 8.75, 0.75, 8.0, 2.1, 1100.0},
             {3, 8.9, 8.8, 0.7, 8.1, 2.2, 1050.0}};
  s.status = train::TrialStatus::interrupted;
  s.message = "stopped by SIGTERM";
  return cp;
}

TEST(StoreCheckpoint, RoundTripIsExact) {
  const seqvi::test::TempDir dir;
  const auto path = dir.path() / "trial.h5";
  const Checkpoint a = sample_checkpoint();
  write_checkpoint(a, path);
  const Checkpoint b = read_checkpoint(path);
  EXPECT_EQ(b.hyperparameters, a.hyperparameters);
  EXPECT_EQ(b.dataset_name, a.dataset_name);
  EXPECT_EQ(b.dataset_sha256, a.dataset_sha256);
  const auto& s = a.state;
  const auto& t = b.state;
  ASSERT_EQ(t.params.size(), s.params.size());
  for (std::size_t i = 0; i < s.params.size(); ++i) {
    EXPECT_EQ(t.params.name(i), s.params.name(i));
    EXPECT_EQ(t.params[i], s.params[i]);
    EXPECT_EQ(t.best_params[i], s.best_params[i]);
    EXPECT_EQ(t.optimizer.mean_square[i], s.optimizer.mean_square[i]);
    EXPECT_EQ(t.optimizer.velocity[i], s.optimizer.velocity[i]);
  }
  EXPECT_EQ(t.epoch, 3);
  EXPECT_EQ(t.batch, 7);
  EXPECT_EQ(t.partial_recon, 123.25);
  EXPECT_EQ(t.partial_frames, 999);
  EXPECT_EQ(t.best_valid, 8.75);
  EXPECT_EQ(t.best_epoch, 2);
  EXPECT_EQ(t.bad_epochs, 1);
  ASSERT_EQ(t.curve.size(), 3u);
  EXPECT_EQ(t.curve[1].valid_bound, 8.75);
  EXPECT_EQ(t.curve[2].frames_per_s, 1050.0);
  EXPECT_EQ(t.status, train::TrialStatus::interrupted);
  EXPECT_EQ(t.message, "stopped by SIGTERM");
}

TEST(StoreCheckpoint, InfiniteBestSurvivesAndOverwriteIsAtomic) {
  const seqvi::test::TempDir dir;
  const auto path = dir.path() / "trial.h5";
  Checkpoint a = sample_checkpoint();
  a.state.best_valid = std::numeric_limits<double>::infinity();
  write_checkpoint(a, path);
  a.state.epoch = 4;
  write_checkpoint(a, path);  // replaces
  const Checkpoint b = read_checkpoint(path);
  EXPECT_TRUE(std::isinf(b.state.best_valid));
  EXPECT_EQ(b.state.epoch, 4);
  int files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir.path())) {
    (void)e;
    ++files;
  }
  EXPECT_EQ(files, 1) << "a temp file was left behind";
}

TEST(StoreCheckpoint, BadFilesGiveErrorsNamingThem) {
  const seqvi::test::TempDir dir;
  const auto missing = dir.path() / "missing.h5";
  try {
    read_checkpoint(missing);
    FAIL();
  } catch (const CheckpointError& e) {
    EXPECT_NE(std::string(e.what()).find("missing.h5"), std::string::npos) << e.what();
  }
  const auto junk = dir.path() / "junk.h5";
  std::ofstream(junk) << "not hdf5";
  EXPECT_THROW(read_checkpoint(junk), CheckpointError);
  EXPECT_THROW(write_checkpoint(sample_checkpoint(), dir.path() / "no-such-dir" / "x.h5"), CheckpointError);
}

TEST(StoreCheckpoint, ActiveDimsRoundTripAndCheckpointsWithoutThemReadAsNotRecorded) {
  const seqvi::test::TempDir dir;
  const auto path = dir.path() / "trial.h5";
  Checkpoint a = sample_checkpoint();
  a.state.curve[0].valid_active_dims = 0;
  a.state.curve[1].valid_active_dims = 5;
  a.state.curve[2].valid_active_dims = 16;
  write_checkpoint(a, path);
  const Checkpoint b = read_checkpoint(path);
  ASSERT_EQ(b.state.curve.size(), 3u);
  EXPECT_EQ(b.state.curve[0].valid_active_dims, 0);
  EXPECT_EQ(b.state.curve[1].valid_active_dims, 5);
  EXPECT_EQ(b.state.curve[2].valid_active_dims, 16);
  // A checkpoint written before the column existed (tests/golden/checkpoints, by the old binary):
  // it reads, and its active dims are "not recorded" (−1).
  const Checkpoint old = read_checkpoint(std::filesystem::path(SEQVI_SOURCE_DIR) / "tests" / "golden" / "checkpoints" /
                                         "vosp-wiener-increments.h5");
  ASSERT_EQ(old.state.curve.size(), 1u);
  EXPECT_EQ(old.state.curve[0].epoch, 1);
  EXPECT_EQ(old.state.curve[0].valid_active_dims, -1);
  EXPECT_TRUE(std::isfinite(old.state.curve[0].valid_kl));
}

TEST(StoreCheckpoint, TheTrialIdentityRoundTripsAndACheckpointWithoutOneBelongsToAnyTrial) {
  const seqvi::test::TempDir dir;
  Checkpoint cp = sample_checkpoint();
  const TrialIdentity mine{"jsb-vosp-0003", 77, params_digest(cp.hyperparameters)};
  // Without an identity (seqvi train, older sweeps): read back as none, accepted for any trial.
  write_checkpoint(cp, dir.path() / "old.h5");
  const Checkpoint old = read_checkpoint(dir.path() / "old.h5");
  EXPECT_FALSE(old.trial.has_value());
  EXPECT_EQ(foreign_trial(old, mine), "");
  cp.trial = mine;
  write_checkpoint(cp, dir.path() / "cp.h5");
  const Checkpoint back = read_checkpoint(dir.path() / "cp.h5");
  ASSERT_TRUE(back.trial.has_value());
  EXPECT_EQ(*back.trial, mine);
  EXPECT_EQ(foreign_trial(back, mine), "");
  // Another trial's: any of id, seed and digest differing; the reason names both trials.
  const TrialIdentity other{"jsb-vosp-0004", 78, mine.params_digest};
  const std::string why = foreign_trial(back, other);
  EXPECT_EQ(why, "belongs to trial jsb-vosp-0003 (seed 77, hyper-parameters " + mine.params_digest +
                     "), not to trial jsb-vosp-0004 (seed 78, hyper-parameters " + mine.params_digest + ")");
  EXPECT_NE(foreign_trial(back, {mine.id, 78, mine.params_digest}), "");
  EXPECT_NE(foreign_trial(back, {mine.id, mine.seed, "sha256:0"}), "");
}

TEST(StoreCheckpoint, TheParamsDigestCoversEveryNameTypeAndValue) {
  const core::Params p = {{"hidden", std::int64_t{400}}, {"step_rate", 1e-3}, {"model", std::string("vosp")}};
  const std::string d = params_digest(p);
  EXPECT_EQ(d.rfind("sha256:", 0), 0u);
  EXPECT_EQ(d.size(), 7u + 64u);
  EXPECT_EQ(params_digest(p), d);
  auto q = p;
  q["hidden"] = 400.0;  // the same number, another type
  EXPECT_NE(params_digest(q), d);
  q = p;
  q["step_rate"] = 1.0000000000000002e-3;
  EXPECT_NE(params_digest(q), d);
  q = p;
  q["seed"] = std::int64_t{1};
  EXPECT_NE(params_digest(q), d);
}

TEST(StoreCheckpoint, AnIdentityWithAMissingPartIsDamage) {
  const seqvi::test::TempDir dir;
  Checkpoint cp = sample_checkpoint();
  cp.trial = TrialIdentity{"jsb-vosp-0003", 77, params_digest(cp.hyperparameters)};
  write_checkpoint(cp, dir.path() / "cp.h5");
  ASSERT_EQ(std::system(("/usr/bin/python3 -c \"import h5py; h5py.File('" + (dir.path() / "cp.h5").string() +
                         "', 'r+').attrs.__delitem__('trial_seed')\"")
                            .c_str()),
            0)
      << "h5py is missing for /usr/bin/python3 (Debian python3-h5py; launch/setup installs it)";
  try {
    read_checkpoint(dir.path() / "cp.h5");
    FAIL();
  } catch (const CheckpointError& e) {
    EXPECT_NE(std::string(e.what()).find("trial_seed"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace seqvi::store
