// Datasets of any width D: a synthetic D = 16 binary dataset with hidden structure (a sticky
// Markov chain over 4 states, each switching on its own 4 columns) trains a VOSP and a VRAE to a
// test bound clearly below the independent-Bernoulli baseline, through the dataset file and the
// checkpoint (which records D) as a user's run would go.
#include "seqvi/core/rng.hpp"
#include "seqvi/store/checkpoint.hpp"
#include "seqvi/store/dataset_file.hpp"
#include "seqvi/train/bernoulli_baseline.hpp"
#include "seqvi/train/trainer.hpp"

#include "support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace seqvi::train {
namespace {

constexpr int kWidth = 16;

/// Sequences of a hidden Markov chain: 4 states, stay with probability 0.9; state s switches on
/// columns 4s..4s+3 each with probability 0.9, every other column with probability 0.05.
/// Independent Bernoullis cannot see the state: their bound is about 9.2 nats/frame; knowing the
/// state gives about 4.1.
data::Dataset hmm_dataset() {
  data::Dataset d;
  d.name = "hmm16";
  d.source_sha256 = std::string(64, 'a');
  core::Rng rng(21, "hmm16");
  auto make = [&](data::Split& split, int n) {
    split.width = kWidth;
    for (int s = 0; s < n; ++s) {
      const int length = 30 + static_cast<int>(rng.uniform_index(30));
      std::vector<std::uint8_t> frames(static_cast<std::size_t>(length) * kWidth, 0);
      int state = static_cast<int>(rng.uniform_index(4));
      for (int t = 0; t < length; ++t) {
        if (rng.uniform01() >= 0.9) state = (state + 1 + static_cast<int>(rng.uniform_index(3))) % 4;
        for (int k = 0; k < kWidth; ++k) {
          const double p = k / 4 == state ? 0.9 : 0.05;
          frames[static_cast<std::size_t>(t * kWidth + k)] = rng.uniform01() < p ? 1 : 0;
        }
      }
      split.append_sequence(frames);
      split.sources.push_back("chain " + std::to_string(s));
    }
  };
  make(d.train, 48);
  make(d.valid, 12);
  make(d.test, 12);
  return d;
}

TrainConfig tiny(const std::string& model) {
  TrainConfig c;
  c.model.kind = model::parse_model_kind(model);
  c.model.hidden = 24;
  c.model.latent = 4;
  c.batching.batch_size = 8;
  c.batching.max_frames = 30;
  c.optimizer.step_rate = 1e-2;
  c.epochs = 12;
  c.patience = 12;
  c.kl_warmup = 2;
  c.seed = 3;
  return c;
}

TEST(TrainWideData, AModelOf88InputsRefusesADatasetOf16Columns) {
  const data::Dataset d = hmm_dataset();
  EXPECT_THROW(Trainer(tiny("vosp"), d), std::invalid_argument);
}

TEST(TrainWideData, VospAndVraeLearnTheHiddenChainOf16Columns) {
  const test::TempDir dir;
  store::write_dataset(hmm_dataset(), dir / "hmm16.h5");
  const data::Dataset d = store::read_dataset(dir / "hmm16.h5");
  ASSERT_EQ(d.width(), kWidth);
  ASSERT_EQ(d.test.sources.size(), d.test.sequences());
  const double baseline = independent_bernoulli_nll(d, "test");
  EXPECT_GT(baseline, 8.0);  // the chain's columns are on a quarter of the time each
  for (const std::string model : {"vosp", "vrae"}) {
    SCOPED_TRACE(model);
    TrainConfig c = tiny(model);
    c.model.inputs = d.width();
    Trainer t(c, d);
    TrainState s = t.initial_state();
    TrainObserver none;
    ASSERT_EQ(t.run(s, none), TrialStatus::done) << s.message;

    // Through the checkpoint, as `seqvi eval` loads it: D is recorded and read back.
    store::Checkpoint cp;
    cp.hyperparameters = c.to_params();
    cp.dataset_name = d.name;
    cp.dataset_sha256 = d.source_sha256;
    cp.inputs = d.width();
    cp.state = s;
    store::write_checkpoint(cp, dir / (model + ".h5"));
    const store::Checkpoint back = store::read_checkpoint(dir / (model + ".h5"));
    ASSERT_EQ(back.inputs, kWidth);
    TrainConfig loaded = from_checkpoint_params(back.hyperparameters);
    loaded.model.inputs = back.inputs;
    Trainer evaluator(loaded, d);
    const EvalResult r = evaluator.evaluate(back.state.best_params, "test", 1, 0, 7);
    EXPECT_EQ(r.frames, d.test.frames());
    std::cout << model << ": test bound " << r.bound << " nats/frame, independent-Bernoulli baseline " << baseline
              << "\n";
    EXPECT_LT(r.bound, baseline - 3.0) << model << " learnt little of the chain";
  }
}

}  // namespace
}  // namespace seqvi::train
