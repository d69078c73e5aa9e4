// `seqvi train` and `seqvi eval` as a user runs them: real processes, real signals, real data.
#include "support/canonical_data.hpp"
#include "support/run_seqvi.hpp"
#include "support/same_training.hpp"
#include "support/temp_dir.hpp"

#include "seqvi/store/checkpoint.hpp"
#include "seqvi/store/dataset_file.hpp"
#include "seqvi/train/bernoulli_baseline.hpp"
#include "seqvi/train/trainer.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <random>
#include <string>
#include <vector>

namespace {

using seqvi::test::Outcome;
using seqvi::test::seqvi;
using seqvi::test::seqvi_command;
using seqvi::test::shell;
using seqvi::test::TempDir;
using Args = std::vector<std::string>;

using seqvi::test::imported_dataset;

std::filesystem::path imported(const std::string& short_name, const std::string& pickle) {
  return imported_dataset(short_name, pickle);
}
std::filesystem::path jsb() { return imported("jsb", "JSB Chorales.pickle"); }

/// A small VOSP on JSB: fast enough to run many epochs in a test.
Args small_vosp(const std::filesystem::path& out, int epochs) {
  return {"train",
          "--data",
          jsb().string(),
          "--out",
          out.string(),
          "--model",
          "vosp",
          "--hidden",
          "24",
          "--latent",
          "4",
          "--epochs",
          std::to_string(epochs),
          "--quiet"};
}

using seqvi::test::expect_same_training;

TEST(CliTrain, KillNineAtARandomMomentThenResumeEndsBitIdentical) {
  TempDir dir;
  constexpr int kEpochs = 8;
  ASSERT_EQ(seqvi(small_vosp(dir / "straight.h5", kEpochs), dir.path()).code, 0);

  // Kill -9 at a random moment after the first checkpoint exists (printed so a failure can be replayed).
  const int delay_ms = static_cast<int>(std::random_device{}() % 400);
  SCOPED_TRACE("kill -9 " + std::to_string(delay_ms) + " ms after the first checkpoint");
  const Outcome killed = shell(seqvi_command(small_vosp(dir / "killed.h5", kEpochs)) +
                                   " & pid=$!; while [ ! -e killed.h5 ]; do sleep 0.005; done; sleep " +
                                   std::to_string(delay_ms / 1000.0) + "; kill -9 $pid; wait $pid",
                               dir.path());
  ASSERT_EQ(killed.code, 128 + 9) << "the run was not killed (too fast?): " << killed.err;
  const auto partial = seqvi::store::read_checkpoint(dir / "killed.h5");
  ASSERT_LT(partial.state.epoch, kEpochs) << "the kill came after the last epoch";
  const Outcome resumed = seqvi(
      {"train", "--data", jsb().string(), "--out", (dir / "killed.h5").string(), "--resume", "--quiet"}, dir.path());
  ASSERT_EQ(resumed.code, 0) << resumed.err;
  expect_same_training(seqvi::store::read_checkpoint(dir / "straight.h5"),
                       seqvi::store::read_checkpoint(dir / "killed.h5"));
}

TEST(CliTrain, SigtermCheckpointsMidEpochExits75AndResumeEndsBitIdentical) {
  TempDir dir;
  constexpr int kEpochs = 5;
  Args straight = small_vosp(dir / "straight.h5", kEpochs);
  straight.insert(straight.end(), {"--batch-size", "4"});  // many batch boundaries per epoch
  ASSERT_EQ(seqvi(straight, dir.path()).code, 0);
  Args stopped = small_vosp(dir / "stopped.h5", kEpochs);
  stopped.insert(stopped.end(), {"--batch-size", "4"});
  const Outcome term = shell(seqvi_command(stopped) +
                                 " & pid=$!; while [ ! -e stopped.h5 ]; do sleep 0.005; done; sleep 0.05; "
                                 "kill -TERM $pid; wait $pid",
                             dir.path());
  ASSERT_EQ(term.code, 75) << term.err;
  EXPECT_NE(term.err.find("interrupted by signal 15"), std::string::npos) << term.err;
  EXPECT_NE(term.err.find("--resume"), std::string::npos) << term.err;
  const auto partial = seqvi::store::read_checkpoint(dir / "stopped.h5");
  EXPECT_EQ(partial.state.status, seqvi::train::TrialStatus::interrupted);
  EXPECT_GT(partial.state.batch, 0) << "expected a mid-epoch checkpoint";
  const Outcome resumed = seqvi(
      {"train", "--data", jsb().string(), "--out", (dir / "stopped.h5").string(), "--resume", "--quiet"}, dir.path());
  ASSERT_EQ(resumed.code, 0) << resumed.err;
  expect_same_training(seqvi::store::read_checkpoint(dir / "straight.h5"),
                       seqvi::store::read_checkpoint(dir / "stopped.h5"));
}

TEST(CliTrain, ShortVospRunOnJsbBeatsTheIndependentBernoulliBaseline) {
  TempDir dir;
  const Outcome run = seqvi({"train",
                             "--data",
                             jsb().string(),
                             "--out",
                             (dir / "vosp.h5").string(),
                             "--model",
                             "vosp",
                             "--hidden",
                             "64",
                             "--latent",
                             "8",
                             "--epochs",
                             "24",
                             "--batch-size",
                             "8",
                             "--keep-inputs",
                             "1",
                             "--keep-hidden",
                             "1",
                             "--learn-keep",
                             "false",
                             "--patience",
                             "30"},
                            dir.path());
  ASSERT_EQ(run.code, 0) << run.err;
  const auto dataset = seqvi::store::read_dataset(jsb());
  const double baseline = seqvi::train::independent_bernoulli_nll(dataset, "valid");
  const auto cp = seqvi::store::read_checkpoint(dir / "vosp.h5");
  std::cout << "JSB valid: VOSP (H 64, K 8, batch 8, 24 epochs) " << cp.state.best_valid
            << " nats/frame, independent-Bernoulli baseline " << baseline << '\n';
  EXPECT_NEAR(baseline, 10.95, 0.01);
  EXPECT_LT(cp.state.best_valid, baseline - 1.0);
  // The progress lines (stderr) name the bound, frames/s and the ETA; the last line (stdout) names the baseline.
  EXPECT_NE(run.err.find("frames/s"), std::string::npos);
  EXPECT_NE(run.err.find("ETA"), std::string::npos);
  EXPECT_NE(run.out.find("independent-Bernoulli baseline"), std::string::npos);
  EXPECT_NE(run.err.find(", active dims "), std::string::npos) << "progress lines show collapse";
  ASSERT_FALSE(cp.state.curve.empty());
  EXPECT_GE(cp.state.curve.back().valid_active_dims, 0);
  EXPECT_LE(cp.state.curve.back().valid_active_dims, 8);

  // seqvi eval: the test bound and an importance-weighted estimate that does not exceed it.
  const Outcome eval = seqvi({"eval", (dir / "vosp.h5").string(), "--data", jsb().string(), "--split", "test",
                              "--samples", "4", "--iw", "8", "--json"},
                             dir.path());
  ASSERT_EQ(eval.code, 0) << eval.err;
  const auto j = nlohmann::json::parse(eval.out);
  for (const char* key : {"frames", "bound", "kl", "recon", "bound_stderr", "iw_nll", "iw_samples"})
    EXPECT_TRUE(j.contains(key)) << key;
  EXPECT_EQ(j["frames"].get<std::int64_t>(), dataset.test.frames());
  EXPECT_NEAR(j["bound"].get<double>(), j["kl"].get<double>() + j["recon"].get<double>(), 1e-9);
  EXPECT_LE(j["iw_nll"].get<double>(), j["bound"].get<double>() + 3 * j["bound_stderr"].get<double>());
  EXPECT_LT(j["bound"].get<double>(), j["baseline_nll"].get<double>());
  // The KL split by latent dim adds up to the KL; active dims count those above 0.01 nats/frame.
  const auto per_dim = j["kl_per_dim"].get<std::vector<double>>();
  ASSERT_EQ(per_dim.size(), 8u);
  double sum = 0;
  std::int64_t active = 0;
  for (double d : per_dim) {
    EXPECT_GE(d, 0.0);
    sum += d;
    active += d > 0.01 ? 1 : 0;
  }
  EXPECT_NEAR(sum, j["kl"].get<double>(), 1e-6 * std::max(1.0, sum));
  EXPECT_EQ(j["active_dims"].get<std::int64_t>(), active);
}

TEST(CliTrain, DefaultVospUsesItsLatentsBeatsAnFdrnnAndDenoisesJsb) {
  // The shipped latent forms (nothing but the size and the budget given): seconds of real JSB.
  TempDir dir;
  const std::vector<std::string> size{"--hidden",   "64", "--latent", "8",      "--batch-size", "8", "--epochs", "20",
                                      "--patience", "20", "--quiet",  "--data", jsb().string()};
  auto train = [&](const std::string& model) {
    std::vector<std::string> args{"train", "--model", model, "--out", (dir / (model + ".h5")).string()};
    args.insert(args.end(), size.begin(), size.end());
    const Outcome run = seqvi(args, dir.path());
    EXPECT_EQ(run.code, 0) << run.err;
    return seqvi::store::read_checkpoint(dir / (model + ".h5"));
  };
  const auto vosp = train("vosp");
  const auto fdrnn = train("fdrnn");
  const auto& best = vosp.state.curve.at(static_cast<std::size_t>(vosp.state.best_epoch - 1));
  std::cout << "JSB valid after 20 epochs (H 64, K 8, batch 8): VOSP " << vosp.state.best_valid << " (KL "
            << best.valid_kl << ", active dims " << best.valid_active_dims << "), FD-RNN " << fdrnn.state.best_valid
            << '\n';
  EXPECT_GT(best.valid_active_dims, 0) << "the default VOSP ignores its latents";
  EXPECT_LT(vosp.state.best_valid, fdrnn.state.best_valid);
  // Online denoising on it: the rule that knows the corruption beats the corrupted input.
  const Outcome den =
      seqvi({"denoise", (dir / "vosp.h5").string(), "--data", jsb().string(), "--json", "--predictive-samples", "8"},
            dir.path());
  ASSERT_EQ(den.code, 0) << den.err;
  const auto j = nlohmann::json::parse(den.out);
  EXPECT_GT(j["known_p_mode"]["f1"].get<double>(), j["corrupted"]["f1"].get<double>()) << den.out;
}

/// A VOSP whose weights are all zero: x is independent of z, p(x_t,k) = σ(b_k), and q(d_t) = N(0, s²) with
/// s² = softplus(a) + 1e-4 — so the bound is a hand computation.
TEST(CliTrain, ConfigFileValuesFollowTheSweepsTomlRules) {
  TempDir dir;
  // The same file a sweep's [space] would accept: an integer for a real is fine, and it is used.
  std::ofstream(dir / "ok.toml") << "[train]\nmodel = \"vosp\"\nhidden = 8\nlatent = 2\nepochs = 1\nstep_rate = 1\n"
                                    "batch_size = 64\n";
  const Outcome ok = seqvi({"train", "--config", (dir / "ok.toml").string(), "--data", jsb().string(), "--out",
                            (dir / "ok.h5").string(), "--quiet"},
                           dir.path());
  ASSERT_EQ(ok.code, 0) << ok.err;
  const auto cp = seqvi::store::read_checkpoint(dir / "ok.h5");
  EXPECT_EQ(std::get<double>(cp.hyperparameters.at("step_rate")), 1.0);
  EXPECT_EQ(std::get<std::int64_t>(cp.hyperparameters.at("hidden")), 8);
  // A real where an integer is expected is refused with file, line, key and type.
  std::ofstream(dir / "bad.toml") << "model = \"vosp\"\nhidden = 8.5\n";
  const Outcome bad = seqvi(
      {"train", "--config", (dir / "bad.toml").string(), "--data", jsb().string(), "--out", (dir / "bad.h5").string()},
      dir.path());
  EXPECT_EQ(bad.code, 2);
  EXPECT_NE(bad.err.find("bad.toml: line 2: 'hidden' must be an integer"), std::string::npos) << bad.err;
  EXPECT_FALSE(std::filesystem::exists(dir / "bad.h5"));
}

TEST(CliTrain, HelpShowsTypesAndRangesAndBadValuesAreRejectedNamingTheFlag) {
  TempDir dir;
  const Outcome help = seqvi({"train", "--help"}, dir.path());
  ASSERT_EQ(help.code, 0);
  EXPECT_NE(help.out.find("--hidden INT"), std::string::npos) << help.out;
  EXPECT_NE(help.out.find("--step-rate FLOAT"), std::string::npos) << help.out;
  EXPECT_NE(help.out.find("--learn-keep BOOL"), std::string::npos) << help.out;
  EXPECT_NE(help.out.find("in (0, 1]; default 0.9"), std::string::npos) << help.out;
  EXPECT_EQ(help.out.find("--hidden TEXT"), std::string::npos) << help.out;
  const auto rejected = [&](const Args& flag, const std::string& message) {
    Args args{"train", "--data", jsb().string(), "--out", (dir / "never.h5").string()};
    args.insert(args.end(), flag.begin(), flag.end());
    const Outcome run = seqvi(args, dir.path());
    EXPECT_EQ(run.code, 2) << run.err;
    EXPECT_NE(run.err.find(message), std::string::npos) << run.err;
    EXPECT_FALSE(std::filesystem::exists(dir / "never.h5"));
  };
  rejected({"--hidden", "0"}, "--hidden: hidden is 0, must be >= 1");
  rejected({"--hidden", "big"}, "--hidden: 'big' is not an integer");
  rejected({"--keep-inputs", "1.5"}, "--keep-inputs: keep_inputs is 1.5, must be in (0, 1]");
  rejected({"--momentum", "1"}, "--momentum: momentum is 1.000000, must be in [0, 1)");
  rejected({"--learn-keep", "maybe"}, "--learn-keep: 'maybe' is not true or false");
  rejected({"--prior", "gauss"}, "prior is 'gauss', must be");
}

TEST(CliEval, TinyModelMatchesAHandComputation) {
  TempDir dir;
  const auto dataset = seqvi::store::read_dataset(jsb());
  seqvi::core::Params hp{{"model", std::string("vosp")},
                         {"hidden", std::int64_t{3}},
                         {"latent", std::int64_t{2}},
                         {"keep_inputs", 1.0},
                         {"keep_hidden", 1.0},
                         {"learn_keep", false},
                         // the hand computation below is for this form (the defaults are others now)
                         {"prior", std::string("wiener")},
                         {"posterior", std::string("increments")}};
  const auto config = seqvi::train::from_params(hp);
  seqvi::train::Trainer trainer(config, dataset);
  seqvi::train::TrainState state = trainer.initial_state();
  const double a = 0.3;          // latent dim 0: s² ≈ 0.85, KL ≈ 0.006 nats/frame (inactive)
  const double a_active = -3.0;  // latent dim 1: s² ≈ 0.049, KL ≈ 1.0 nats/frame (active)
  std::vector<double> b(88);
  for (int k = 0; k < 88; ++k) b[k] = -3.0 + 0.05 * k;
  int var_biases = 0, output_biases = 0;
  for (std::size_t i = 0; i < state.params.size(); ++i) {
    auto& m = state.params[i];
    m.setZero();
    const std::string& name = state.params.name(i);
    if (name.size() > 6 && name.ends_with(".var.b")) {
      m(0, 0) = static_cast<float>(a);
      m(0, 1) = static_cast<float>(a_active);
      ++var_biases;
    } else if (trainer.model().role(i) == seqvi::model::ParamRole::output_bias) {
      for (int k = 0; k < 88; ++k) m(0, k) = static_cast<float>(b[k]);
      ++output_biases;
    }
  }
  ASSERT_EQ(var_biases, 1);
  ASSERT_EQ(output_biases, 1);
  state.best_params = state.params;
  seqvi::store::Checkpoint cp{config.to_params(), dataset.name, dataset.source_sha256, state, {}};
  seqvi::store::write_checkpoint(cp, dir / "tiny.h5");

  // By hand, in double: Bernoulli NLL with logits b (computed from the float biases the model holds).
  const auto& test = dataset.test;
  double recon = 0;
  for (std::int64_t f = 0; f < test.frames(); ++f)
    for (int k = 0; k < 88; ++k) {
      const double logit = static_cast<float>(b[k]);
      recon += test.frame(f)[k] ? std::log1p(std::exp(-logit)) : std::log1p(std::exp(logit));
    }
  recon /= static_cast<double>(test.frames());
  auto dim_kl = [](double bias) {  // ½(s² − 1 − ln s²) per frame, s² = softplus(bias) + 1e-4
    const double s2 = std::log1p(std::exp(static_cast<double>(static_cast<float>(bias)))) + 1e-4;
    return 0.5 * (s2 - 1 - std::log(s2));
  };
  const double kl0 = dim_kl(a), kl1 = dim_kl(a_active);
  ASSERT_LT(kl0, 0.01);
  ASSERT_GT(kl1, 0.01);
  const double kl = kl0 + kl1;  // two latent dims, per frame

  const Outcome eval = seqvi({"eval", (dir / "tiny.h5").string(), "--data", jsb().string(), "--split", "test",
                              "--samples", "3", "--iw", "4", "--json"},
                             dir.path());
  ASSERT_EQ(eval.code, 0) << eval.err;
  const auto j = nlohmann::json::parse(eval.out);
  EXPECT_EQ(j["frames"].get<std::int64_t>(), test.frames());
  EXPECT_NEAR(j["recon"].get<double>(), recon, 1e-4 * recon);
  EXPECT_NEAR(j["kl"].get<double>(), kl, 1e-4);
  const auto per_dim = j["kl_per_dim"].get<std::vector<double>>();
  ASSERT_EQ(per_dim.size(), 2u);
  EXPECT_NEAR(per_dim[0], kl0, 1e-5);
  EXPECT_NEAR(per_dim[1], kl1, 1e-4);
  EXPECT_EQ(j["active_dims"].get<std::int64_t>(), 1);
  EXPECT_NEAR(j["bound"].get<double>(), recon + kl, 1e-4 * recon);
  EXPECT_NEAR(j["bound_stderr"].get<double>(), 0.0, 1e-6) << "the noise cannot matter here";
  // −log p(x) = recon exactly here; the IW estimate lies between it and the bound.
  EXPECT_GE(j["iw_nll"].get<double>(), recon - 1e-4);
  EXPECT_LE(j["iw_nll"].get<double>(), recon + kl + 1e-4);
}

/// MuseData's longest sequence (4273 frames, test split) is evaluated whole.
TEST(CliEval, MuseDataTestSplitWithItsLongestSequenceWhole) {
  TempDir dir;
  const auto muse = imported("musedata", "MuseData.pickle");
  ASSERT_EQ(seqvi({"train", "--data", muse.string(), "--out", (dir / "m.h5").string(), "--model", "vosp", "--hidden",
                   "8", "--latent", "2", "--epochs", "1", "--quiet"},
                  dir.path())
                .code,
            0);
  const auto dataset = seqvi::store::read_dataset(muse);
  ASSERT_EQ(seqvi::data::split_stats(dataset.test).longest_sequence, 4273);
  const Outcome eval = shell(
      "/usr/bin/time -f 'maxrss_kb %M' " + seqvi_command({"eval", (dir / "m.h5").string(), "--data", muse.string(),
                                                          "--split", "test", "--iw", "2", "--json"}),
      dir.path());
  ASSERT_EQ(eval.code, 0) << eval.err;
  std::cout << "MuseData test eval: " << eval.err;
  const auto j = nlohmann::json::parse(eval.out);
  EXPECT_EQ(j["frames"].get<std::int64_t>(), dataset.test.frames());
  EXPECT_TRUE(std::isfinite(j["bound"].get<double>()));
  EXPECT_TRUE(std::isfinite(j["iw_nll"].get<double>()));
}

}  // namespace
