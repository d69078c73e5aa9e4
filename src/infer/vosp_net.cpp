// The VOSP's networks for inference (include/seqvi/infer/vosp_net.hpp).
#include "seqvi/infer/vosp_net.hpp"

#include "seqvi/model/detail/emission.hpp"
#include "seqvi/model/detail/param_roles.hpp"

#include "net_common.hpp"

#include <stdexcept>
#include <string>

namespace seqvi::infer {

using model::Index;
using model::Mat;
using model::Moments;

VospNet::VospNet(const model::ModelConfig& config, const model::ParamSet<float>& params) : config_(config) {
  if (config.kind != model::ModelKind::vosp)
    throw std::invalid_argument("model is '" + std::string(model::to_string(config.kind)) + "', must be vosp");
  config.validate();
  // The same construction, in the same order, as model::Vosp's constructor (src/model/vosp.cpp).
  const Index D = config.inputs, H = config.hidden, K = config.latent;
  const auto rec_in = detail::recognition_keep(config.keep_inputs, config.learn_keep);
  const auto rec_hidden = detail::recognition_keep(config.keep_hidden, config.learn_keep);
  const auto hidden = model::fixed_keep_rate(config.keep_hidden);
  model::ParamSet<float> prototype;
  model::detail::RoleTable roles;
  rec_ = model::FdRnn<float>(prototype, "rec", model::FdRnnSpec{D, H, config.transfer, rec_in, rec_hidden});
  heads_ = model::detail::LatentHeads<float>(prototype, roles, "rec.head", H, K, rec_hidden, config.variance_head);
  gen_ = model::FdMlp<float>(prototype, "gen", K + H,
                             {{H, config.transfer, hidden}, {D, model::Transfer::identity, hidden}});
  detail::check_same_structure(config, prototype);
  params_ = detail::bind_params(prototype, params, "vosp");
}

Moments<float> VospNet::hidden(const Roll& x) {
  if (x.cols() != config_.inputs)
    throw std::invalid_argument("roll has " + std::to_string(x.cols()) + " keys, the model " +
                                std::to_string(config_.inputs));
  Moments<float> xm, h;
  xm.mean = x;
  const model::ColVec<float> mask = model::ColVec<float>::Ones(x.rows());
  rec_.forward(params_, xm, 1, mask, rec_cache_, h);
  return h;
}

Mat<float> VospNet::posterior_mode(const Roll& x, Moments<float>* h_out) {
  const Index T = x.rows(), K = config_.latent;
  Moments<float> h = hidden(x);
  const model::ColVec<float> mask = model::ColVec<float>::Ones(T);
  const Mat<float> eps = Mat<float>::Zero(T, K);
  Mat<float> z(T, K);
  if (T > 0) heads_.forward(params_, h, config_.latent_spec, eps, mask, T, 1, heads_cache_, z);
  if (h_out != nullptr) *h_out = std::move(h);
  return z;
}

Mat<float> VospNet::logits(const Mat<float>& z, const Moments<float>& h) {
  const Index T = z.rows(), K = config_.latent, H = config_.hidden;
  if (z.cols() != K || h.mean.rows() != T || h.mean.cols() != H)
    throw std::invalid_argument("VospNet::logits: z is " + std::to_string(z.rows()) + "×" +
                                std::to_string(z.cols()) + " and h " + std::to_string(h.mean.rows()) + "×" +
                                std::to_string(h.mean.cols()) + ", must be T×" + std::to_string(K) + " and T×" +
                                std::to_string(H));
  Moments<float> u, a;
  u.mean = Mat<float>::Zero(T, K + H);
  u.mean.leftCols(K) = z;
  if (T > 1) u.mean.rightCols(H).bottomRows(T - 1) = h.mean.topRows(T - 1);
  if (h.var.size() != 0) {
    u.var = Mat<float>::Zero(T, K + H);
    if (T > 1) u.var.rightCols(H).bottomRows(T - 1) = h.var.topRows(T - 1);
  }
  gen_.forward(params_, u, gen_cache_, a);
  Mat<float> l;
  model::detail::emission_logits<float>(a, l);
  return l;
}

Mat<float> VospNet::step_logits(const Mat<float>& z_t, const Moments<float>& h_prev) {
  const Index K = config_.latent, H = config_.hidden;
  Moments<float> u, a;
  u.mean = Mat<float>::Zero(1, K + H);
  u.mean.leftCols(K) = z_t;
  if (h_prev.mean.size() != 0) {
    u.mean.rightCols(H) = h_prev.mean;
    if (h_prev.var.size() != 0) {
      u.var = Mat<float>::Zero(1, K + H);
      u.var.rightCols(H) = h_prev.var;
    }
  }
  gen_.forward(params_, u, gen_cache_, a);
  Mat<float> l;
  model::detail::emission_logits<float>(a, l);
  return l;
}

Roll VospNet::mode_probabilities(const Roll& x) {
  Moments<float> h;
  const Mat<float> z = posterior_mode(x, &h);
  const Mat<float> l = logits(z, h);
  Roll p(l.rows(), l.cols());
  p = (1.0f / (1.0f + (-l.array()).exp())).matrix();
  return p;
}

}  // namespace seqvi::infer
