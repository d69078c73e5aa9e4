#include "seqvi/search/space.hpp"
#include "seqvi/search/sampler.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <set>
#include <stdexcept>

namespace seqvi::search {
namespace {

TEST(SearchSpace, DefaultIsThePapersTable2) {
  const Space s = default_space();
  auto choices = [&](const std::string& name) {
    std::set<std::string> out;
    for (const auto& v : std::get<Categorical>(s.at(name)).choices) out.insert(to_string(v));
    return out;
  };
  EXPECT_EQ(choices("hidden"), (std::set<std::string>{"200", "400", "600"}));
  EXPECT_EQ(choices("step_rate"), (std::set<std::string>{"0.01", "0.005", "0.001", "5e-04", "1e-04", "1e-05"}));
  EXPECT_EQ(choices("momentum"), (std::set<std::string>{"0", "0.9", "0.95", "0.99", "0.995"}));
  EXPECT_EQ(choices("decay"), (std::set<std::string>{"0.8", "0.9"}));
  EXPECT_EQ(choices("init_var_rec"), (std::set<std::string>{"0.1", "0.01", "0.001", "1e-04"}));
  EXPECT_EQ(choices("init_var_in"), (std::set<std::string>{"0.1", "0.01", "0.001", "1e-04"}));
  EXPECT_EQ(choices("spectral_radius"), (std::set<std::string>{"1", "1.05", "1.1", "1.2"}));
  EXPECT_EQ(choices("incoming"), (std::set<std::string>{"15", "25", "35", "50", "0"}));
  EXPECT_EQ(to_string(std::get<Fixed>(s.at("bias_hidden")).value), "0");
  EXPECT_EQ(to_string(std::get<Fixed>(s.at("bias_out")).value), "-0.8");
  EXPECT_EQ(to_string(std::get<Fixed>(s.at("transfer")).value), "tanh");
  EXPECT_EQ(to_string(std::get<Fixed>(s.at("kl_warmup")).value), "10");  // measured: docs/latent-forms.md
  EXPECT_EQ(to_string(std::get<Fixed>(s.at("recoveries")).value), "4");  // divergence recovery, train/trainer.hpp
  EXPECT_EQ(to_string(std::get<Fixed>(s.at("recovery_factor")).value), "0.3");
  EXPECT_EQ(to_string(std::get<Fixed>(s.at("step_patience")).value), "3");  // a stall lowers the step rate
  EXPECT_EQ(to_string(std::get<Fixed>(s.at("prior")).value), "learned");
  EXPECT_EQ(to_string(std::get<Fixed>(s.at("posterior")).value), "markov");
  EXPECT_NO_THROW(validate(s));
}

TEST(SearchSampler, KlWarmupIsSampleableAndItsFixedDefaultLeavesOtherDrawsAlone) {
  Space s = default_space();
  const auto before = sample_trial(s, 3, "jsb", "vosp", 5);
  EXPECT_EQ(to_string(before.params.at("kl_warmup")), "10");
  Space without = s;
  without.erase("kl_warmup");
  const auto old = sample_trial(without, 3, "jsb", "vosp", 5);  // a space from before kl_warmup
  for (const auto& [name, value] : old.params) EXPECT_EQ(before.params.at(name), value) << name;
  EXPECT_EQ(old.seed, before.seed);
  s["kl_warmup"] = Categorical{{std::int64_t{0}, std::int64_t{10}}};
  std::set<std::string> seen;
  for (int i = 0; i < 32; ++i) seen.insert(to_string(sample_trial(s, 1, "jsb", "vosp", i).params.at("kl_warmup")));
  EXPECT_EQ(seen, (std::set<std::string>{"0", "10"}));
}

TEST(SearchSampler, RecoveryKeysAreFixedAndLeaveOtherDrawsAlone) {
  const Space s = default_space();
  const auto now = sample_trial(s, 3, "jsb", "vosp", 5);
  Space without = s;
  without.erase("recoveries");
  without.erase("recovery_factor");
  without.erase("step_patience");
  const auto old = sample_trial(without, 3, "jsb", "vosp", 5);  // a space from before divergence recovery
  for (const auto& [name, value] : old.params) EXPECT_EQ(now.params.at(name), value) << name;
  EXPECT_EQ(old.seed, now.seed);
  EXPECT_EQ(to_string(now.params.at("recoveries")), "4");
}

TEST(SearchSpace, SamplesStayInTheirDistributions) {
  core::Rng rng(1, "t");
  for (int i = 0; i < 2000; ++i) {
    const double u = std::get<double>(sample(Uniform{0.5, 1.0}, rng));
    EXPECT_GE(u, 0.5);
    EXPECT_LT(u, 1.0);
    const double l = std::get<double>(sample(LogUniform{1e-5, 1e-2}, rng));
    EXPECT_GE(l, 1e-5 * (1 - 1e-12));
    EXPECT_LE(l, 1e-2 * (1 + 1e-12));
    const auto k = std::get<std::int64_t>(sample(IntUniform{3, 5}, rng));
    EXPECT_TRUE(k >= 3 && k <= 5);
  }
}

TEST(SearchSpace, LogUniformIsUniformInTheLog) {
  core::Rng rng(2, "t");
  int below = 0;
  for (int i = 0; i < 20000; ++i) below += std::get<double>(sample(LogUniform{1e-4, 1.0}, rng)) < 1e-2;
  EXPECT_NEAR(below / 20000.0, 0.5, 0.02);
}

TEST(SearchSpace, MalformedDistributionsAreNamed) {
  Space s;
  s["step_rate"] = LogUniform{0.0, 1.0};
  try {
    validate(s);
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("step_rate"), std::string::npos) << e.what();
  }
  s.clear();
  s["hidden"] = Categorical{};
  EXPECT_THROW(validate(s), std::invalid_argument);
  s.clear();
  s["keep"] = Uniform{1.0, 0.5};
  EXPECT_THROW(validate(s), std::invalid_argument);
}

TEST(SearchSampler, TrialDependsOnlyOnSeedDatasetModelAndIndex) {
  const Space s = default_space();
  const TrialSpec a = sample_trial(s, 7, "jsb", "vosp", 3);
  // Sampling other trials in between changes nothing (no shared generator state).
  for (int i = 0; i < 10; ++i) sample_trial(s, 7, "jsb", "vrae", i);
  const TrialSpec b = sample_trial(s, 7, "jsb", "vosp", 3);
  EXPECT_EQ(a.params, b.params);
  EXPECT_EQ(a.seed, b.seed);
  EXPECT_EQ(a.name(), "jsb-vosp-0003");
  EXPECT_EQ(std::get<std::string>(a.params.at("model")), "vosp");
  // Different index, model, dataset or sweep seed → different trials.
  EXPECT_NE(sample_trial(s, 7, "jsb", "vosp", 4).seed, a.seed);
  EXPECT_NE(sample_trial(s, 7, "jsb", "vrae", 3).seed, a.seed);
  EXPECT_NE(sample_trial(s, 7, "nottingham", "vosp", 3).seed, a.seed);
  EXPECT_NE(sample_trial(s, 8, "jsb", "vosp", 3).seed, a.seed);
  EXPECT_THROW(sample_trial(s, 7, "jsb", "vosp", -1), std::invalid_argument);
}

TEST(SearchSampler, TheTrialSeedIsATrainingSeedThatSeqviTrainAccepts) {
  // `seqvi train --seed` takes a non-negative int64: every sampled seed is one (issue 22 item 4),
  // spread over the whole range.
  const Space s = default_space();
  std::uint64_t largest = 0;
  for (int i = 0; i < 2000; ++i) {
    const std::uint64_t seed = sample_trial(s, 7, "jsb", "vosp", i).seed;
    EXPECT_LE(seed, static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) << i;
    largest = std::max(largest, seed);
  }
  EXPECT_GT(largest, std::uint64_t{1} << 62);
}

TEST(SearchSampler, RandomSearchCoversTheCategories) {
  const Space s = default_space();
  std::set<std::string> hidden, step;
  for (int i = 0; i < 64; ++i) {
    const auto t = sample_trial(s, 1, "jsb", "vosp", i);
    hidden.insert(to_string(t.params.at("hidden")));
    step.insert(to_string(t.params.at("step_rate")));
  }
  EXPECT_EQ(hidden.size(), 3u);
  EXPECT_EQ(step.size(), 6u);
}

}  // namespace
}  // namespace seqvi::search
