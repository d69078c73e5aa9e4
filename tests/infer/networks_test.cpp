// infer/'s bindings of trained models run the models' own forward pass: bound by name to the same
// parameters, at ε = 0 they give exactly the models' reconstruction term.
#include "seqvi/infer/vosp_net.hpp"
#include "seqvi/infer/vrae_net.hpp"

#include "seqvi/core/rng.hpp"
#include "seqvi/model/bernoulli.hpp"
#include "seqvi/train/trainer.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace seqvi::infer {
namespace {

struct Case {
  const char* kind;
  bool learn_keep;
  model::VarianceHead head;
  model::Posterior posterior;
};

train::TrainConfig config_for(const Case& c) {
  train::TrainConfig config;
  config.model.kind = model::parse_model_kind(c.kind);
  config.model.hidden = 7;
  config.model.latent = 3;
  config.model.learn_keep = c.learn_keep;
  config.model.variance_head = c.head;
  config.model.latent_spec.posterior = c.posterior;
  config.seed = 21;
  return config;
}

Roll random_roll(model::Index frames, std::uint64_t seed) {
  core::Rng rng(seed, "roll");
  Roll x(frames, 88);
  for (model::Index i = 0; i < x.size(); ++i) x.data()[i] = rng.uniform01() < 0.1 ? 1.0f : 0.0f;
  return x;
}

/// recon of the model at ε = 0 and the NLL of the rebuilt network's logits at its posterior mode.
std::pair<double, double> both_recons(const Case& c) {
  const train::TrainConfig config = config_for(c);
  auto m = model::make_model<float>(config.model);
  model::ParamSet<float> params = m->make_params();
  train::initialize_parameters(*m, config, params);
  const model::Index T = 11;
  const Roll x = random_roll(T, 4);
  const model::ColVec<float> mask = model::ColVec<float>::Ones(T);
  const model::Mat<float> eps = model::Mat<float>::Zero(T, config.model.latent);
  const model::BoundTerms terms =
      m->forward_backward(params, model::BatchView<float>{x, mask, T, 1}, eps, nullptr, 1.0f);
  model::Mat<float> logits;
  if (config.model.kind == model::ModelKind::vosp) {
    VospNet net(config.model, params);
    logits = net.posterior_mode(x).logits;
  } else {
    VraeNet net(config.model, params);
    logits = net.logits(net.posterior_mode(x).z);
  }
  return {terms.recon, static_cast<double>(model::bernoulli_nll<float>(logits, x, mask, T, 1))};
}

TEST(InferNetworks, ModeLogitsReproduceTheModelsReconstructionAtZeroNoise) {
  for (const Case& c : {Case{"vosp", true, model::VarianceHead::softplus, model::Posterior::increments},
                        Case{"vosp", false, model::VarianceHead::fd, model::Posterior::marginal},
                        Case{"vrae", true, model::VarianceHead::softplus, model::Posterior::increments},
                        Case{"vrae", false, model::VarianceHead::fd, model::Posterior::marginal}}) {
    const auto [model_recon, net_recon] = both_recons(c);
    EXPECT_GT(model_recon, 0.0);
    EXPECT_EQ(net_recon, model_recon) << c.kind << " learn_keep " << c.learn_keep;
  }
}

TEST(InferNetworks, VospModeIsOnlineTheFutureDoesNotChangeThePast) {
  const train::TrainConfig config =
      config_for({"vosp", true, model::VarianceHead::softplus, model::Posterior::increments});
  auto m = model::make_model<float>(config.model);
  model::ParamSet<float> params = m->make_params();
  train::initialize_parameters(*m, config, params);
  VospNet net(config.model, params);
  Roll x = random_roll(12, 8);
  const Roll before = net.mode_probabilities(x);
  x.bottomRows(4) = random_roll(4, 9);
  const Roll after = net.mode_probabilities(x);
  EXPECT_EQ(before.topRows(8), after.topRows(8));
  EXPECT_NE(before.bottomRows(4), after.bottomRows(4));
}

TEST(InferNetworks, RejectsTheWrongModelAndMissingOrMisshapenParameters) {
  const train::TrainConfig vosp =
      config_for({"vosp", true, model::VarianceHead::softplus, model::Posterior::increments});
  const train::TrainConfig vrae =
      config_for({"vrae", true, model::VarianceHead::softplus, model::Posterior::increments});
  const model::ParamSet<float> vosp_params = model::make_model<float>(vosp.model)->make_params();
  EXPECT_THROW(VraeNet(vosp.model, vosp_params), std::invalid_argument);
  EXPECT_THROW(VraeNet(vrae.model, vosp_params), std::invalid_argument);  // parameters missing
  train::TrainConfig bigger = vosp;
  bigger.model.hidden = 8;
  try {
    VospNet net(bigger.model, vosp_params);
    FAIL() << "misshapen parameters accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("rec.W_in"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace seqvi::infer
