// Checkpoints written before the Gauss–Markov posterior load and evaluate to the numbers the old
// binary printed (tests/golden/checkpoints/README.md says how they were made).
#include "support/run_seqvi.hpp"

#include "seqvi/store/checkpoint.hpp"
#include "seqvi/train/train_config.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <string>

namespace {

using seqvi::test::imported_dataset;
using seqvi::test::Outcome;
using seqvi::test::read_text;
using seqvi::test::seqvi;

// The numbers are those of the exact FD transfer moments (tests/golden/checkpoints/README.md): the
// checkpoints are of the old format and were trained under the old approximate moments.
TEST(CliGoldenCheckpoint, OldCheckpointsEvaluateToTheirRecordedNumbers) {
  const std::filesystem::path jsb = imported_dataset("jsb", "JSB Chorales.pickle");
  const std::filesystem::path dir = std::filesystem::path(SEQVI_SOURCE_DIR) / "tests" / "golden" / "checkpoints";
  for (const std::string name :
       {"vosp-wiener-increments", "vosp-wiener-marginal", "vrae-normal-increments", "vrae-normal-marginal"}) {
    SCOPED_TRACE(name);
    const auto want = nlohmann::json::parse(read_text(dir / (name + ".json")));
    const Outcome run = seqvi({"eval", (dir / (name + ".h5")).string(), "--data", jsb.string(), "--split", "valid",
                               "--samples", "2", "--iw", "3", "--json"},
                              std::filesystem::temp_directory_path());
    ASSERT_EQ(run.code, 0) << run.err;
    const auto got = nlohmann::json::parse(run.out);
    // Written before KL warm-up existed: read as 0, what those runs trained with, so a resume
    // continues as they would have (the trainer's default is 10 now). Every other hyper-parameter
    // is in the file, so the changed defaults (hidden, latent, batch, forms) do not reach it.
    const auto cp = seqvi::store::read_checkpoint(dir / (name + ".h5"));
    EXPECT_EQ(seqvi::train::from_checkpoint_params(cp.hyperparameters).kl_warmup, 0);
    EXPECT_EQ(seqvi::train::from_params(cp.hyperparameters).kl_warmup, 10);
    // Likewise b_y from the keys' frequencies (the default since the plateau study) and rmsprop's
    // bias correction: those runs started b_y at bias_out and r at 1.
    EXPECT_FALSE(seqvi::train::from_checkpoint_params(cp.hyperparameters).init.bias_out_from_data);
    EXPECT_FALSE(seqvi::train::from_checkpoint_params(cp.hyperparameters).optimizer.bias_correction);
    // And divergence recovery: a divergence ended those runs.
    EXPECT_EQ(seqvi::train::from_checkpoint_params(cp.hyperparameters).recoveries, 0);
    EXPECT_EQ(seqvi::train::from_checkpoint_params(cp.hyperparameters).step_patience, 0);
    EXPECT_EQ(cp.state.step_rate, 0.0);  // not recorded: the configured step rate
    EXPECT_TRUE(cp.state.recoveries.empty());
    for (const auto& key : seqvi::train::hyperparameter_names())
      EXPECT_TRUE(cp.hyperparameters.count(key) || key == "kl_warmup" || key == "bias_out_from_data" ||
                  key == "rmsprop_bias_correction" || key == "recoveries" || key == "recovery_factor" ||
                  key == "step_patience")
          << key << " missing";
    EXPECT_EQ(got["frames"], want["frames"]);
    EXPECT_EQ(got["is_bound"], want["is_bound"]);
    for (const char* key : {"recon", "kl", "bound", "bound_stderr", "iw_nll"}) {
      // Equal to the float arithmetic's rounding, not bit for bit: the sums may be formed
      // differently on another CPU (-march=native) or in the sanitizer build (measured: the ASan
      // build's iw_nll differs by 5e-12 to 3e-9 relative, everything else is identical), and the
      // one old form whose KL sum is now formed differently (normal + increments: Σ_t v_t of the
      // marginal moments instead of Σ_t (n − t + 1) σ²_t, kl.hpp) moves a batch's float KL by an
      // ulp. A change of the model's arithmetic moves these numbers by 1e-4 or more.
      const double g = got[key].get<double>(), w = want[key].get<double>();
      EXPECT_NEAR(g, w, 1e-6 * std::max(1.0, std::abs(w))) << key;
    }
  }
}

}  // namespace
