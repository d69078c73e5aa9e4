#include "seqvi/search/grid_sampler.hpp"
#include "seqvi/search/sweep_config.hpp"

#include <gtest/gtest.h>

#include <set>
#include <stdexcept>
#include <string>

namespace seqvi::search {
namespace {

Space small_grid() {
  Space s;
  s["prior"] = Categorical{{Value{std::string("wiener")}, Value{std::string("normal")}, Value{std::string("learned")}}};
  s["posterior"] = Categorical{{Value{std::string("marginal")}, Value{std::string("markov")}}};
  s["kl_warmup"] = Categorical{{Value{std::int64_t{0}}, Value{std::int64_t{10}}}};
  s["hidden"] = Fixed{Value{std::int64_t{200}}};
  return s;
}

std::string key(const Params& p) {
  return to_string(p.at("prior")) + "/" + to_string(p.at("posterior")) + "/" + to_string(p.at("kl_warmup"));
}

std::string error_of(const std::string& text) {
  try {
    parse_sweep_config(text, "grid.toml");
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

TEST(SearchGridSampler, SizeIsTheProductOfTheChoices) {
  EXPECT_EQ(grid_size(small_grid(), 1000), 12);
  EXPECT_EQ(grid_size(Space{}, 1000), 1);
  EXPECT_THROW(grid_size(small_grid(), 11), std::invalid_argument);
  Space ranged = small_grid();
  ranged["step_rate"] = LogUniform{1e-4, 1e-2};
  try {
    grid_size(ranged, 1000);
    FAIL() << "a range has no grid";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("'step_rate'"), std::string::npos) << e.what();
  }
}

TEST(SearchGridSampler, EveryPointOnceThenAgainWithOtherSeeds) {
  const Space s = small_grid();
  std::set<std::string> points;
  std::set<std::uint64_t> seeds;
  for (std::int64_t i = 0; i < 12; ++i) {
    const TrialSpec t = grid_trial(s, 7, "jsb", "vosp", i);
    EXPECT_EQ(t.index, i);
    EXPECT_EQ(to_string(t.params.at("hidden")), "200");
    EXPECT_EQ(to_string(t.params.at("model")), "vosp");
    EXPECT_EQ(t.params.size(), 5u);
    points.insert(key(t.params));
    seeds.insert(t.seed);
  }
  EXPECT_EQ(points.size(), 12u);  // every combination exactly once
  // Last name fastest in name order (hidden, kl_warmup, posterior, prior): prior varies first.
  EXPECT_EQ(key(grid_trial(s, 7, "jsb", "vosp", 0).params), "wiener/marginal/0");
  EXPECT_EQ(key(grid_trial(s, 7, "jsb", "vosp", 1).params), "normal/marginal/0");
  EXPECT_EQ(key(grid_trial(s, 7, "jsb", "vosp", 3).params), "wiener/markov/0");
  EXPECT_EQ(key(grid_trial(s, 7, "jsb", "vosp", 6).params), "wiener/marginal/10");
  for (std::int64_t i = 12; i < 24; ++i) {
    const TrialSpec again = grid_trial(s, 7, "jsb", "vosp", i);
    EXPECT_EQ(key(again.params), key(grid_trial(s, 7, "jsb", "vosp", i - 12).params));
    seeds.insert(again.seed);
  }
  EXPECT_EQ(seeds.size(), 24u);  // each repetition of the grid trains with other seeds
}

TEST(SearchGridSampler, IsAPureFunctionOfSweepSeedDatasetModelAndIndex) {
  const Space s = small_grid();
  const TrialSpec a = grid_trial(s, 7, "jsb", "vosp", 5);
  const TrialSpec b = grid_trial(s, 7, "jsb", "vosp", 5);
  EXPECT_EQ(a.seed, b.seed);
  EXPECT_EQ(key(a.params), key(b.params));
  EXPECT_NE(a.seed, grid_trial(s, 8, "jsb", "vosp", 5).seed);
  EXPECT_NE(a.seed, grid_trial(s, 7, "jsb", "vrae", 5).seed);
  EXPECT_EQ(key(a.params), key(grid_trial(s, 7, "jsb", "vrae", 5).params));
  EXPECT_THROW(grid_trial(s, 7, "jsb", "vosp", -1), std::invalid_argument);
}

TEST(SearchGridSampler, ConfigDefaultsToOneTrialPerPoint) {
  const SweepConfig c = parse_sweep_config(R"(
[sweep]
sampler = "grid"
models = ["vosp", "vrae"]
[space]
prior = ["wiener", "normal"]
posterior = ["marginal", "markov", "increments"]
)",
                                           "grid.toml");
  EXPECT_EQ(c.sampler, "grid");
  EXPECT_EQ(c.samples, 6);
  std::set<std::string> seen;
  for (std::int64_t i = 0; i < c.samples; ++i) {
    const TrialSpec t = sweep_trial(c, "jsb", "vrae", i);
    seen.insert(to_string(t.params.at("prior")) + to_string(t.params.at("posterior")));
    EXPECT_EQ(to_string(t.params.at("model")), "vrae");
  }
  EXPECT_EQ(seen.size(), 6u);
  // The random sampler is the default and draws what sample_trial draws.
  const SweepConfig r = parse_sweep_config("[space]\nprior = [\"wiener\", \"normal\"]\n", "r.toml");
  EXPECT_EQ(r.sampler, "random");
  EXPECT_EQ(sweep_trial(r, "jsb", "vosp", 3).seed, sample_trial(r.space, r.seed, "jsb", "vosp", 3).seed);
}

TEST(SearchGridSampler, ConfigErrorsNameTheRule) {
  EXPECT_NE(error_of("[sweep]\nsampler = \"grid\"\nsamples = 5\n[space]\nprior = [\"wiener\", \"normal\"]\n")
                .find("must be a multiple of the 2 grid points"),
            std::string::npos);
  EXPECT_NE(error_of("[sweep]\nsampler = \"grid\"\n[space]\nstep_rate = { log_uniform = [1e-4, 1e-2] }\n")
                .find("'step_rate' is a range"),
            std::string::npos);
  EXPECT_NE(error_of("[sweep]\nsampler = \"sobol\"\n").find("sweep.sampler must be \"random\" or \"grid\""),
            std::string::npos);
  // A grid spans [space] alone: an empty [space] is one point, the trainer's defaults.
  const SweepConfig defaults = parse_sweep_config("[sweep]\nsampler = \"grid\"\n", "grid.toml");
  EXPECT_TRUE(defaults.space.empty());
  EXPECT_EQ(defaults.samples, 1);
  EXPECT_EQ(sweep_trial(defaults, "jsb", "vosp", 0).params.size(), 1u);  // the model alone
  // A grid beyond the sweep's limit is refused before anything is sampled.
  std::string big = "[sweep]\nsampler = \"grid\"\n[space]\n";
  for (const char* name : {"hidden", "latent", "step_rate", "momentum", "decay", "init_var_in", "init_var_rec",
                           "spectral_radius", "incoming"})
    big += std::string(name) + " = [1, 2, 3, 4, 5, 6, 7, 8]\n";
  EXPECT_NE(error_of(big).find("more than 1000000 points"), std::string::npos) << error_of(big);
  const SweepConfig two_seeds = parse_sweep_config(
      "[sweep]\nsampler = \"grid\"\nsamples = 4\n[space]\nprior = [\"wiener\", \"normal\"]\n", "grid.toml");
  EXPECT_EQ(two_seeds.samples, 4);
}

}  // namespace
}  // namespace seqvi::search
