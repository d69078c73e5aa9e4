// The VRAE's networks for inference (include/seqvi/infer/vrae_net.hpp).
#include "seqvi/infer/vrae_net.hpp"

#include "seqvi/model/detail/emission.hpp"
#include "seqvi/model/detail/param_roles.hpp"

#include "net_common.hpp"

#include <stdexcept>
#include <string>

namespace seqvi::infer {

using model::Index;
using model::Mat;
using model::Moments;

VraeNet::VraeNet(const model::ModelConfig& config, const model::ParamSet<float>& params) : config_(config) {
  if (config.kind != model::ModelKind::vrae)
    throw std::invalid_argument("model is '" + std::string(model::to_string(config.kind)) + "', must be vrae");
  config.validate();
  // The same construction, in the same order, as model::Vrae's constructor (src/model/vrae.cpp).
  const Index D = config.inputs, H = config.hidden, K = config.latent;
  const auto rec_in = detail::recognition_keep(config.keep_inputs, config.learn_keep);
  const auto rec_hidden = detail::recognition_keep(config.keep_hidden, config.learn_keep);
  const auto hidden = model::fixed_keep_rate(config.keep_hidden);
  model::ParamSet<float> prototype;
  model::detail::RoleTable roles;
  rec_ = model::FdBiRnn<float>(prototype, "rec", model::FdRnnSpec{D, H, config.transfer, rec_in, rec_hidden});
  heads_ =
      model::detail::LatentHeads<float>(prototype, roles, "rec.head", 2 * H, K, rec_hidden, config.variance_head);
  gen_ = model::FdBiRnn<float>(prototype, "gen", model::FdRnnSpec{K, H, config.transfer, hidden, hidden});
  out_ = model::FdDense<float>(prototype, "gen.out", 2 * H, D, model::Transfer::identity, hidden);
  detail::check_same_structure(config, prototype);
  params_ = detail::bind_params(prototype, params, "vrae");
}

Mat<float> VraeNet::posterior_mode(const Roll& x) {
  if (x.cols() != config_.inputs)
    throw std::invalid_argument("roll has " + std::to_string(x.cols()) + " keys, the model " +
                                std::to_string(config_.inputs));
  const Index T = x.rows(), K = config_.latent;
  Moments<float> xm, h;
  xm.mean = x;
  const model::ColVec<float> mask = model::ColVec<float>::Ones(T);
  rec_.forward(params_, xm, 1, mask, rec_cache_, h);
  const Mat<float> eps = Mat<float>::Zero(T, K);
  Mat<float> z(T, K);
  if (T > 0) heads_.forward(params_, h, config_.latent_spec, eps, mask, T, 1, heads_cache_, z);
  return z;
}

Mat<float> VraeNet::logits(const Mat<float>& z) {
  if (z.cols() != config_.latent)
    throw std::invalid_argument("z has " + std::to_string(z.cols()) + " columns, the model's latent is " +
                                std::to_string(config_.latent));
  Moments<float> zm, g, a;
  zm.mean = z;
  const model::ColVec<float> mask = model::ColVec<float>::Ones(z.rows());
  gen_.forward(params_, zm, 1, mask, gen_cache_, g);
  out_.forward(params_, g, out_cache_, a);
  Mat<float> l;
  model::detail::emission_logits<float>(a, l);
  return l;
}

Roll VraeNet::mode_probabilities(const Roll& x) {
  const Mat<float> l = logits(posterior_mode(x));
  Roll p(l.rows(), l.cols());
  p = (1.0f / (1.0f + (-l.array()).exp())).matrix();
  return p;
}

}  // namespace seqvi::infer
