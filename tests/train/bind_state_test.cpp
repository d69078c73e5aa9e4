// Parameters are bound to a model by name (issue 22, item 1): a state whose parameter sets list the
// same named matrices in another order — as a checkpoint rewritten by another tool holds them —
// trains and evaluates bit-identically; a missing, misshapen or foreign matrix is refused by name.
#include "seqvi/core/rng.hpp"
#include "seqvi/model/param_set.hpp"
#include "seqvi/train/trainer.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace seqvi::train {
namespace {

data::Dataset chords() {
  data::Dataset d;
  d.name = "chords";
  d.source_sha256 = std::string(64, 'c');
  core::Rng rng(7, "chords");
  auto make = [&](data::Split& split, int n) {
    for (int s = 0; s < n; ++s) {
      const int length = 6 + static_cast<int>(rng.uniform_index(14));
      std::vector<std::uint8_t> frames(static_cast<std::size_t>(length) * data::kKeys, 0);
      const int root = 40 + static_cast<int>(rng.uniform_index(12));
      for (int t = 0; t < length; ++t)
        for (int k : {0, 4, 7}) frames[static_cast<std::size_t>(t) * data::kKeys + root + (t % 3) + k] = 1;
      split.append_sequence(frames);
    }
  };
  make(d.train, 12);
  make(d.valid, 4);
  make(d.test, 4);
  return d;
}

TrainConfig tiny(const std::string& model) {
  TrainConfig c;
  c.model.kind = model::parse_model_kind(model);
  c.model.hidden = 8;
  c.model.latent = 3;
  c.batching.batch_size = 4;
  c.batching.max_frames = 10;
  c.epochs = 2;
  c.seed = 3;
  return c;
}

/// The same named matrices, added in reverse order.
model::ParamSet<float> reversed(const model::ParamSet<float>& p) {
  model::ParamSet<float> out;
  for (std::size_t k = p.size(); k-- > 0;) {
    const std::size_t i = out.add(p.name(k), p[k].rows(), p[k].cols());
    out[i] = p[k];
  }
  return out;
}

void expect_same(const model::ParamSet<float>& a, const model::ParamSet<float>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    const std::size_t j = b.index(a.name(i));
    ASSERT_EQ(a[i].rows(), b[j].rows()) << a.name(i);
    ASSERT_EQ(a[i].cols(), b[j].cols()) << a.name(i);
    EXPECT_TRUE((a[i].array() == b[j].array()).all()) << a.name(i) << " differs";
  }
}

TEST(TrainBindState, AStateInAnotherOrderTrainsAndEvaluatesBitIdentically) {
  const data::Dataset d = chords();
  for (const std::string model : {"vosp", "vrae"}) {
    SCOPED_TRACE(model);
    Trainer trainer(tiny(model), d);
    TrainState in_order = trainer.initial_state();
    // One epoch first, so that r, v and best_params are not their initial values.
    TrainConfig one = tiny(model);
    one.epochs = 1;
    Trainer first(one, d);
    TrainObserver none;
    ASSERT_EQ(first.run(in_order, none), TrialStatus::done) << in_order.message;
    in_order.status = TrialStatus::running;

    TrainState shuffled = in_order;
    shuffled.params = reversed(in_order.params);
    shuffled.best_params = reversed(in_order.best_params);
    shuffled.optimizer.mean_square = reversed(in_order.optimizer.mean_square);
    shuffled.optimizer.velocity = reversed(in_order.optimizer.velocity);
    ASSERT_NE(shuffled.params.name(0), in_order.params.name(0));

    const EvalResult e1 = trainer.evaluate(in_order.params, "test", 2, 3, 5);
    const EvalResult e2 = trainer.evaluate(shuffled.params, "test", 2, 3, 5);
    EXPECT_EQ(e1.bound, e2.bound);
    EXPECT_EQ(e1.iw_nll, e2.iw_nll);

    ASSERT_EQ(trainer.run(in_order, none), TrialStatus::done) << in_order.message;
    Trainer again(tiny(model), d);
    ASSERT_EQ(again.run(shuffled, none), TrialStatus::done) << shuffled.message;
    expect_same(in_order.params, shuffled.params);
    expect_same(in_order.best_params, shuffled.best_params);
    expect_same(in_order.optimizer.velocity, shuffled.optimizer.velocity);
    EXPECT_EQ(in_order.best_valid, shuffled.best_valid);
    // Bound: the state now lists the matrices in the model's order.
    for (std::size_t i = 0; i < in_order.params.size(); ++i)
      EXPECT_EQ(shuffled.params.name(i), in_order.params.name(i));
  }
}

TEST(TrainBindState, RefusesAMissingMisshapenOrForeignParameterByName) {
  const data::Dataset d = chords();
  Trainer trainer(tiny("vosp"), d);
  const TrainState good = trainer.initial_state();
  const std::string first = good.params.name(0);

  auto expect_refused = [&](const model::ParamSet<float>& params, const std::string& message) {
    TrainState s = good;
    s.params = params;
    try {
      trainer.bind_state(s);
      ADD_FAILURE() << "not refused: " << message;
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(message), std::string::npos) << e.what();
    }
    EXPECT_THROW((void)trainer.evaluate(params, "test", 1, 0, 1), std::invalid_argument);
  };

  model::ParamSet<float> missing;
  for (std::size_t i = 1; i < good.params.size(); ++i)
    missing.add(good.params.name(i), good.params[i].rows(), good.params[i].cols());
  expect_refused(missing, "parameter '" + first + "' is missing; the vosp needs it");

  model::ParamSet<float> misshapen;
  for (std::size_t i = 0; i < good.params.size(); ++i)
    misshapen.add(good.params.name(i), good.params[i].cols(), good.params[i].rows() + (i == 0 ? 1 : 0));
  expect_refused(misshapen, "parameter '" + first + "' is " + std::to_string(good.params[0].cols()) + "×");

  model::ParamSet<float> foreign = good.params;
  foreign.add("gen.extra", 1, 1);
  expect_refused(foreign, "parameter 'gen.extra' is not one of the vosp's");
}

}  // namespace
}  // namespace seqvi::train
