#include "seqvi/search/sweep_config.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace seqvi::search {
namespace {

std::string error_of(const std::string& text) {
  try {
    parse_sweep_config(text, "sweep.toml");
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

TEST(SearchSweepConfig, ParsesEveryFormOfOverride) {
  const SweepConfig c = parse_sweep_config(R"(
[sweep]
seed = 42
datasets = ["jsb", "nottingham"]
models = ["vosp", "vrae"]
samples = 8
max_attempts = 2

[datasets]
jsb = "runs/jsb.h5"

[space]
hidden = [200, 400]
step_rate = { log_uniform = [1e-5, 1e-2] }
keep_inputs = { uniform = [0.5, 1.0] }
latent = { int_uniform = [8, 64] }
epochs = 5
posterior = "marginal"
learn_keep = false

[pruner]
kind = "asha"
min_epochs = 2
reduction_factor = 3
)",
                                           "sweep.toml");
  EXPECT_EQ(c.seed, 42u);
  EXPECT_EQ(c.datasets, (std::vector<std::string>{"jsb", "nottingham"}));
  EXPECT_EQ(c.models, (std::vector<std::string>{"vosp", "vrae"}));
  EXPECT_EQ(c.samples, 8);
  EXPECT_EQ(c.max_attempts, 2);
  EXPECT_EQ(c.dataset_files.at("jsb"), "runs/jsb.h5");
  EXPECT_EQ(std::get<Categorical>(c.space.at("hidden")).choices.size(), 2u);
  EXPECT_DOUBLE_EQ(std::get<LogUniform>(c.space.at("step_rate")).high, 1e-2);
  EXPECT_DOUBLE_EQ(std::get<Uniform>(c.space.at("keep_inputs")).low, 0.5);
  EXPECT_EQ(std::get<IntUniform>(c.space.at("latent")).high, 64);
  EXPECT_EQ(std::get<std::int64_t>(std::get<Fixed>(c.space.at("epochs")).value), 5);
  EXPECT_EQ(std::get<std::string>(std::get<Fixed>(c.space.at("posterior")).value), "marginal");
  EXPECT_EQ(std::get<bool>(std::get<Fixed>(c.space.at("learn_keep")).value), false);
  // untouched entries keep the Table-2 defaults
  EXPECT_EQ(std::get<Categorical>(c.space.at("momentum")).choices.size(), 5u);
  EXPECT_EQ(c.pruner.kind, "asha");
  EXPECT_EQ(c.pruner.min_epochs, 2);
}

TEST(SearchSweepConfig, EmptyFileGivesTheDefaults) {
  const SweepConfig c = parse_sweep_config("", "sweep.toml");
  EXPECT_EQ(c.samples, 64);
  EXPECT_EQ(c.pruner.kind, "none");
  EXPECT_EQ(c.space.size(), default_space().size());
}

TEST(SearchSweepConfig, ErrorsNameTheKeyAndLine) {
  EXPECT_NE(error_of("[sweep]\nseed = \n").find("sweep.toml: line 2"), std::string::npos)
      << error_of("[sweep]\nseed = \n");
  EXPECT_NE(error_of("[space]\nhiden = [200]\n").find("unknown key 'space.hiden'"), std::string::npos);
  EXPECT_NE(error_of("[sweep]\nsampels = 3\n").find("unknown key 'sweep.sampels'"), std::string::npos);
  EXPECT_NE(error_of("[extra]\n").find("unknown key 'extra'"), std::string::npos);
  EXPECT_NE(error_of("[space]\nhidden = [200.5]\n").find("space.hidden must be an integer"), std::string::npos);
  EXPECT_NE(error_of("[space]\nstep_rate = { log_uniform = [0, 1] }\n").find("step_rate"), std::string::npos);
  EXPECT_NE(error_of("[space]\nhidden = { uniform = [1, 2] }\n").find("space.hidden"), std::string::npos);
  EXPECT_NE(error_of("[sweep]\nsamples = 0\n").find("sweep.samples is 0, must be ≥ 1"), std::string::npos);
  EXPECT_NE(error_of("[sweep]\nmodels = [\"vae\"]\n").find("'vae'"), std::string::npos);
  EXPECT_NE(error_of("[pruner]\nkind = \"hyperband\"\n").find("pruner.kind"), std::string::npos);
  EXPECT_NE(error_of("[space]\nhidden = []\n").find("empty"), std::string::npos);
}

TEST(SearchSweepConfig, SamplesAreLimitedToAMillionTrialsPerSweep) {
  // 1 dataset × 1 model: exactly the limit is accepted, one more is not.
  EXPECT_EQ(parse_sweep_config("[sweep]\nsamples = 1000000\n", "s.toml").samples, kMaxSweepTrials);
  EXPECT_NE(error_of("[sweep]\nsamples = 1000001\n")
                .find("sweep.samples is 1000001, must be ≤ 1000000 (1 (dataset, model) pairs × samples ≤ 1000000 "
                      "trials per sweep)"),
            std::string::npos)
      << error_of("[sweep]\nsamples = 1000001\n");
  // 2 datasets × 2 models: a quarter of it.
  const std::string four = "[sweep]\ndatasets = [\"jsb\", \"muse\"]\nmodels = [\"vosp\", \"vrae\"]\nsamples = ";
  EXPECT_EQ(parse_sweep_config(four + "250000\n", "s.toml").samples, 250000);
  EXPECT_NE(error_of(four + "250001\n").find("must be ≤ 250000"), std::string::npos) << error_of(four + "250001\n");
}

TEST(SearchSweepConfig, UnreadableFileIsAnError) {
  EXPECT_THROW(read_sweep_config("/nonexistent/sweep.toml"), std::invalid_argument);
}

}  // namespace
}  // namespace seqvi::search
