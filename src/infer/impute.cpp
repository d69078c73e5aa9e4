// Imputation of missing frames (include/seqvi/infer/impute.hpp).
#include "seqvi/infer/impute.hpp"

#include "seqvi/model/bernoulli.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <string>

namespace seqvi::infer {

using model::ColVec;
using model::Index;
using model::Mat;

namespace {

/// Which neighbours of the window must exist: none, the frame before it, or both.
enum class Sides { none, before, both };

void check_window(const Roll& roll, const Window& w, Sides sides) {
  const Index lowest = sides == Sides::none ? 0 : 1;
  const Index last = sides == Sides::both ? roll.rows() - 1 : roll.rows();
  if (w.length < 1 || w.start < lowest || w.start + w.length > last) {
    const char* why = sides == Sides::both     ? ", with a frame before and after it (the baselines read both)"
                      : sides == Sides::before ? ", after frame 0 (the baseline copies the frame before it)"
                                               : "";
    throw std::invalid_argument("window of frames [" + std::to_string(w.start) + ", " +
                                std::to_string(w.start + w.length) + ") must be non-empty and lie within the " +
                                std::to_string(roll.rows()) + " frames" + why);
  }
}

void check_truth(const Roll* truth, const Window& w, Index D) {
  if (truth != nullptr && (truth->rows() != w.length || truth->cols() != D))
    throw std::invalid_argument("true window is " + std::to_string(truth->rows()) + "×" +
                                std::to_string(truth->cols()) + ", must be " + std::to_string(w.length) + "×" +
                                std::to_string(D));
}

void check_particles(const ParticleOptions& o) {
  if (o.particles < 1) throw std::invalid_argument("particles is " + std::to_string(o.particles) + ", must be ≥ 1");
  if (o.lookahead < 0) throw std::invalid_argument("lookahead is " + std::to_string(o.lookahead) + ", must be ≥ 0");
  if (o.context < 0) throw std::invalid_argument("context is " + std::to_string(o.context) + ", must be ≥ 0");
  if (o.rounds < 1) throw std::invalid_argument("rounds is " + std::to_string(o.rounds) + ", must be ≥ 1");
}

void check_width(const Roll& roll, Index D) {
  if (roll.cols() != D)
    throw std::invalid_argument("roll has " + std::to_string(roll.cols()) + " keys, the model " + std::to_string(D));
}

// Scalar loops rather than Eigen's vectorised exp of doubles (which trips GCC 12's -Wuninitialized
// inside avx512fintrin.h).
double log_sum_exp(const Eigen::VectorXd& v) {
  const double m = v.maxCoeff();
  if (!std::isfinite(m)) return m;
  double sum = 0;
  for (Index i = 0; i < v.size(); ++i) sum += std::exp(v[i] - m);
  return m + std::log(sum);
}

/// Normalises log weights in place (Σ exp = 1) and returns what was subtracted, log Σ exp.
double normalize(Eigen::VectorXd& log_w) {
  const double lse = log_sum_exp(log_w);
  log_w.array() -= lse;
  return lse;
}

double effective_sample_size(const Eigen::VectorXd& normalized_log_w) {
  double sum = 0;
  for (Index i = 0; i < normalized_log_w.size(); ++i) sum += std::exp(2.0 * normalized_log_w[i]);
  return 1.0 / sum;
}

/// Systematic resampling: N indices drawn in proportion to the normalised weights with one uniform.
std::vector<Index> systematic_resample(const Eigen::VectorXd& normalized_log_w, core::Rng& rng) {
  const Index N = normalized_log_w.size();
  std::vector<Index> out(static_cast<std::size_t>(N));
  const double u0 = rng.uniform01() / static_cast<double>(N);
  double cumulative = 0;
  Index i = 0;
  for (Index n = 0; n < N; ++n) {
    const double u = u0 + static_cast<double>(n) / static_cast<double>(N);
    while (i < N - 1 && cumulative + std::exp(normalized_log_w[i]) < u) cumulative += std::exp(normalized_log_w[i++]);
    out[static_cast<std::size_t>(n)] = i;
  }
  return out;
}

void select_rows(Mat<float>& m, const std::vector<Index>& rows) {
  if (m.rows() == 0) return;
  Mat<float> out(static_cast<Index>(rows.size()), m.cols());
  for (std::size_t r = 0; r < rows.size(); ++r) out.row(static_cast<Index>(r)) = m.row(rows[r]);
  m.swap(out);
}

Mat<float> replicate_rows(const Mat<float>& m, Index n) {
  return m.rows() == 0 ? Mat<float>(m) : Mat<float>(m.replicate(n, 1));
}

Mat<float> standard_normal(Index rows, Index cols, core::Rng& rng) {
  Mat<float> w(rows, cols);
  for (Index i = 0; i < w.size(); ++i) w.data()[i] = static_cast<float>(rng.normal());
  return w;
}

/// log p(x_t | logits) per row (B rows of one frame each), through the model's Bernoulli.
Eigen::VectorXd frame_log_likelihood(const Mat<float>& logits, const Mat<float>& x) {
  const Index B = logits.rows();
  const ColVec<float> mask = ColVec<float>::Ones(B);
  ColVec<float> nll;
  model::bernoulli_nll<float>(logits, x, mask, 1, B, &nll);
  return -nll.cast<double>();
}

/// The VOSP's particle filter over frames [window.start, end): the window's frames are drawn (or,
/// with `forced`, set to its rows and weighted), the frames after it weighted by their likelihood.
struct FilterRun {
  double log_evidence = 0;        ///< log p̂ of the weighted frames given the frames before the window
  std::vector<Mat<float>> drawn;  ///< per window frame, N × D draws (without `forced`)
  std::vector<Mat<float>> sigma;  ///< per window frame, N × D: σ(ℓ), the model's p(x_t = 1 | x_{<t}, z_t)
  Eigen::VectorXd log_w;          ///< the final normalised log weights
};

FilterRun run_filter(VospNet& net, const model::VospState<float>& before, const Roll& observed, const Window& w,
                     Index end, Index N, const Roll* forced, core::Rng& rng) {
  model::Vosp<float>& vosp = net.model();
  const model::ParamSet<float>& params = net.params();
  const Index K = net.config().latent, D = net.config().inputs;
  model::VospState<float> state;
  state.h.mean = replicate_rows(before.h.mean, N);
  state.h.var = replicate_rows(before.h.var, N);
  state.z = replicate_rows(before.z, N);
  FilterRun run;
  run.log_w = Eigen::VectorXd::Constant(N, -std::log(static_cast<double>(N)));
  Mat<float> logits, x_t(N, D);
  for (Index t = w.start; t < end; ++t) {
    const bool in_window = t < w.start + w.length;
    const Mat<float> z = vosp.prior_step(params, state, standard_normal(N, K, rng));
    vosp.emission_step(params, state, z, logits);
    if (in_window && forced == nullptr) {
      for (Index i = 0; i < N; ++i)
        for (Index k = 0; k < D; ++k)
          x_t(i, k) = rng.uniform01() < 1.0 / (1.0 + std::exp(-static_cast<double>(logits(i, k)))) ? 1.0f : 0.0f;
      run.drawn.push_back(x_t);
      run.sigma.push_back((1.0f / (1.0f + (-logits.array()).exp())).matrix());
      vosp.advance(params, state, x_t, z);
      continue;
    }
    x_t = (in_window ? forced->row(t - w.start) : observed.row(t)).replicate(N, 1);
    run.log_w += frame_log_likelihood(logits, x_t);
    run.log_evidence += normalize(run.log_w);
    vosp.advance(params, state, x_t, z);
    if (t + 1 < end && effective_sample_size(run.log_w) < 0.5 * static_cast<double>(N)) {
      const std::vector<Index> keep = systematic_resample(run.log_w, rng);
      select_rows(state.h.mean, keep);
      select_rows(state.h.var, keep);
      select_rows(state.z, keep);
      for (Mat<float>& d : run.drawn) select_rows(d, keep);
      for (Mat<float>& d : run.sigma) select_rows(d, keep);
      run.log_w.setConstant(-std::log(static_cast<double>(N)));
    }
  }
  return run;
}

/// The roll with the window's frames set to zero: what the methods may read.
Roll without_window(const Roll& roll, const Window& w) {
  Roll x = roll;
  x.middleRows(w.start, w.length).setZero();
  return x;
}

template <class Net>
Roll impute_modes(Net& net, const Roll& start, const Window& w, int steps) {
  if (steps < 1) throw std::invalid_argument("steps is " + std::to_string(steps) + ", must be at least 1");
  check_window(start, w, Sides::none);
  Roll x = start;
  for (int i = 0; i < steps; ++i) {
    const Roll p = net.mode_probabilities(x);
    x.middleRows(w.start, w.length) = binarize(p).middleRows(w.start, w.length);
  }
  return x;
}

void score_baselines(ImputeOutcome& o) {
  const Window& w = o.window;
  o.baseline = copy_previous_frame(o.clean, w);
  o.interpolated = interpolate_neighbours(o.clean, w);
  o.baseline_scores = note_scores(o.clean, o.baseline, w.start, w.length);
  o.interpolation_scores = note_scores(o.clean, o.interpolated, w.start, w.length);
}

template <class Net>
ImputeOutcome impute_paper(Net& net, const Roll& clean, const Window& w, int steps, core::Rng& rng, ImputeStart from) {
  if (steps < 1) throw std::invalid_argument("steps is " + std::to_string(steps) + ", must be at least 1");
  check_window(clean, w, Sides::both);
  ImputeOutcome o;
  o.window = w;
  o.clean = clean;
  score_baselines(o);
  o.initial = from == ImputeStart::uniform ? fill_uniform(clean, w, rng) : o.baseline;
  Roll x = o.initial;
  for (int i = 0; i < steps; ++i) {
    x = impute_modes(net, x, w, 1);
    o.step_scores.push_back(note_scores(clean, x, w.start, w.length));
  }
  o.imputed = x;
  o.imputed_scores = o.step_scores.back();
  return o;
}

template <class Net>
ImputeOutcome impute_with_particles(Net& net, const Roll& clean, const Window& w, const ParticleOptions& options,
                                    Decision decision, core::Rng& rng) {
  check_window(clean, w, Sides::both);
  ImputeOutcome o;
  o.window = w;
  o.clean = clean;
  score_baselines(o);
  const Roll truth = clean.middleRows(w.start, w.length);
  GapPosterior g;
  if constexpr (std::is_same_v<Net, VospNet>)
    g = vosp_gap_posterior(net, clean, w, options, rng, &truth);
  else
    g = vrae_gap_posterior(net, clean, w, options, rng, &truth);
  o.probabilities = clean;
  o.probabilities.middleRows(w.start, w.length) = g.marginals;
  o.imputed = clean;
  o.imputed.middleRows(w.start, w.length) =
      decision == Decision::bayes ? bayes_decision(g) : decide(g.marginals, decision);
  o.imputed_scores = note_scores(clean, o.imputed, w.start, w.length);
  o.log_prob = g.log_prob;
  o.ess = g.ess;
  return o;
}

}  // namespace

Roll copy_previous_frame(const Roll& roll, const Window& w) {
  check_window(roll, w, Sides::before);
  Roll out = roll;
  for (Index t = w.start; t < w.start + w.length; ++t) out.row(t) = roll.row(w.start - 1);
  return out;
}

Roll interpolate_neighbours(const Roll& roll, const Window& w) {
  check_window(roll, w, Sides::both);
  Roll out = roll;
  const auto both =
      ((roll.row(w.start - 1).array() >= 0.5f) && (roll.row(w.start + w.length).array() >= 0.5f)).cast<float>().eval();
  for (Index t = w.start; t < w.start + w.length; ++t) out.row(t) = both;
  return out;
}

Roll fill_uniform(const Roll& roll, const Window& w, core::Rng& rng) {
  check_window(roll, w, Sides::none);
  Roll out = roll;
  for (Index t = w.start; t < w.start + w.length; ++t)
    for (Index k = 0; k < out.cols(); ++k) out(t, k) = static_cast<float>(rng.uniform01());
  return out;
}

Roll impute(VraeNet& net, const Roll& start, const Window& w, int steps) { return impute_modes(net, start, w, steps); }
Roll impute(VospNet& net, const Roll& start, const Window& w, int steps) { return impute_modes(net, start, w, steps); }

GapPosterior vosp_gap_posterior(VospNet& net, const Roll& observed, const Window& w, const ParticleOptions& options,
                                core::Rng& rng, const Roll* truth) {
  check_particles(options);
  check_window(observed, w, Sides::none);
  const Index D = net.config().inputs, N = options.particles;
  check_width(observed, D);
  check_truth(truth, w, D);
  const Roll x = without_window(observed, w);
  // The recognition state after the frames before the window (z: their posterior mode, which only
  // the Wiener prior reads).
  model::VospState<float> before;
  if (w.start > 0) {
    const model::ForwardPass<float> mode = net.posterior_mode(x.topRows(w.start));
    for (Index t = 0; t < w.start; ++t) net.model().advance(net.params(), before, x.row(t), mode.z.row(t));
  }
  const Index end = std::min<Index>(observed.rows(), w.start + w.length + options.lookahead);
  const FilterRun gap = run_filter(net, before, x, w, end, N, nullptr, rng);
  GapPosterior g;
  g.marginals = Roll::Zero(w.length, D);
  Eigen::VectorXf weights(N);
  for (Index i = 0; i < N; ++i) weights[i] = static_cast<float>(std::exp(gap.log_w[i]));
  for (Index t = 0; t < w.length; ++t)
    g.marginals.row(t) = weights.transpose() * gap.sigma[static_cast<std::size_t>(t)];
  g.ess = effective_sample_size(gap.log_w);
  g.weights = weights.cast<double>();
  g.samples.resize(static_cast<std::size_t>(N), Roll(w.length, D));
  for (Index i = 0; i < N; ++i)
    for (Index t = 0; t < w.length; ++t)
      g.samples[static_cast<std::size_t>(i)].row(t) = gap.drawn[static_cast<std::size_t>(t)].row(i);
  if (truth != nullptr) {
    const FilterRun joint = run_filter(net, before, x, w, end, N, truth, rng);
    g.log_prob = joint.log_evidence - gap.log_evidence;
  }
  return g;
}

GapPosterior vrae_gap_posterior(VraeNet& net, const Roll& observed, const Window& w, const ParticleOptions& options,
                                core::Rng& rng, const Roll* truth) {
  check_particles(options);
  check_window(observed, w, Sides::none);
  const Index D = net.config().inputs, K = net.config().latent, N = options.particles;
  check_width(observed, D);
  check_truth(truth, w, D);
  // The frames the model reads: the window and `context` frames each side (or the whole roll).
  const Index first = options.context > 0 ? std::max<Index>(0, w.start - options.context) : 0;
  const Index last =
      options.context > 0 ? std::min<Index>(observed.rows(), w.start + w.length + options.context) : observed.rows();
  const Index T = last - first, g0 = w.start - first;
  Roll x = without_window(observed, w).middleRows(first, T);
  // The first proposal's input: the window filled with the mean of its neighbouring frames.
  {
    Roll fill = Roll::Zero(1, D);
    int sides = 0;
    if (g0 > 0) fill += x.row(g0 - 1), ++sides;
    if (g0 + w.length < T) fill += x.row(g0 + w.length), ++sides;
    if (sides > 0) fill /= static_cast<float>(sides);
    for (Index t = 0; t < w.length; ++t) x.row(g0 + t) = fill;
  }
  // Time-major batch of N copies; masks of the observed frames and of the window.
  const Index rows = T * N;
  const ColVec<float> all = ColVec<float>::Ones(rows);
  ColVec<float> observed_mask = all, window_mask = ColVec<float>::Zero(rows);
  observed_mask.segment(g0 * N, w.length * N).setZero();
  window_mask.segment(g0 * N, w.length * N).setOnes();
  Mat<float> truth_batch;
  Eigen::VectorXd log_w(options.rounds * N), log_truth(options.rounds * N);
  std::vector<Mat<float>> probabilities;  // per particle, length × D
  probabilities.reserve(static_cast<std::size_t>(options.rounds * N));
  GapPosterior g;
  std::vector<Roll> fills;  // refill samples: each particle's window input of the next round (length × D)
  for (int r = 0; r < options.rounds; ++r) {
    Mat<float> batch(rows, D);
    for (Index t = 0; t < T; ++t) batch.middleRows(t * N, N) = x.row(t).replicate(N, 1);
    if (!fills.empty())
      for (Index i = 0; i < N; ++i)
        for (Index t = 0; t < w.length; ++t) batch.row((g0 + t) * N + i) = fills[static_cast<std::size_t>(i)].row(t);
    const Mat<float> eps = standard_normal(rows, K, rng);
    const model::ForwardPass<float> pass =
        net.model().forward_pass(net.params(), model::BatchView<float>{batch, all, T, N}, eps);
    ColVec<float> nll;
    model::bernoulli_nll<float>(pass.logits, batch, observed_mask, T, N, &nll);
    log_w.segment(r * N, N) = -nll.cast<double>() + pass.log_prior - pass.log_posterior;
    if (truth != nullptr) {
      if (truth_batch.size() == 0) {
        truth_batch = batch;
        for (Index t = 0; t < w.length; ++t) truth_batch.middleRows((g0 + t) * N, N) = truth->row(t).replicate(N, 1);
      }
      model::bernoulli_nll<float>(pass.logits, truth_batch, window_mask, T, N, &nll);
      log_truth.segment(r * N, N) = -nll.cast<double>();
    }
    for (Index i = 0; i < N; ++i) {
      Mat<float> p(w.length, D);
      for (Index t = 0; t < w.length; ++t) p.row(t) = pass.probabilities.row((g0 + t) * N + i);
      probabilities.push_back(std::move(p));
    }
    // The marginals under every particle so far: the next round's proposal input.
    Eigen::VectorXd so_far = log_w.head((r + 1) * N);
    normalize(so_far);
    g.marginals = Roll::Zero(w.length, D);
    for (Index i = 0; i < so_far.size(); ++i)
      g.marginals += static_cast<float>(std::exp(so_far[i])) * probabilities[static_cast<std::size_t>(i)];
    x.middleRows(g0, w.length) = g.marginals;
    g.ess = effective_sample_size(so_far);
    if (options.refill == VraeRefill::samples && r + 1 < options.rounds) {
      // Population Monte Carlo: N ancestors drawn from this round by its weights (systematic), each
      // particle's next input window a draw x_gap ~ p(x_gap | z_ancestor). Each weight stays an
      // unbiased importance weight given its own proposal q(z | x̃_i), so all rounds pool.
      Eigen::VectorXd this_round = log_w.segment(r * N, N);
      normalize(this_round);
      const std::vector<Index> ancestors = systematic_resample(this_round, rng);
      fills.assign(static_cast<std::size_t>(N), Roll(w.length, D));
      for (Index i = 0; i < N; ++i) {
        const Mat<float>& p = probabilities[static_cast<std::size_t>(r * N + ancestors[static_cast<std::size_t>(i)])];
        Roll& f = fills[static_cast<std::size_t>(i)];
        for (Index c = 0; c < f.size(); ++c) f.data()[c] = rng.uniform01() < p.data()[c] ? 1.0f : 0.0f;
      }
    }
    if (truth != nullptr && r + 1 == options.rounds) g.log_prob = log_sum_exp(so_far + log_truth);
    if (r + 1 == options.rounds) {
      // One draw of the window per particle: samples of p(x_gap | x_obs) with the same weights.
      g.weights.resize(so_far.size());
      for (Index i = 0; i < so_far.size(); ++i) g.weights[i] = std::exp(so_far[i]);
      g.samples.clear();
      for (const Mat<float>& p : probabilities) {
        Roll x(w.length, D);
        for (Index c = 0; c < x.size(); ++c) x.data()[c] = rng.uniform01() < p.data()[c] ? 1.0f : 0.0f;
        g.samples.push_back(std::move(x));
      }
    }
  }
  return g;
}

Roll bayes_decision(const GapPosterior& g) {
  const auto S = static_cast<Index>(g.samples.size());
  if (S == 0 || g.weights.size() != S) throw std::invalid_argument("bayes decision: no weighted samples");
  const Index cells = g.marginals.size();
  // Candidates: every sample, and the threshold and top-k decisions of the marginals.
  Mat<float> samples(S, cells), candidates(S + 2, cells);
  for (Index i = 0; i < S; ++i)
    samples.row(i) = Eigen::Map<const Eigen::RowVectorXf>(g.samples[static_cast<std::size_t>(i)].data(), cells);
  candidates.topRows(S) = samples;
  const Roll threshold = decide(g.marginals, Decision::threshold), top = decide(g.marginals, Decision::top_k);
  candidates.row(S) = Eigen::Map<const Eigen::RowVectorXf>(threshold.data(), cells);
  candidates.row(S + 1) = Eigen::Map<const Eigen::RowVectorXf>(top.data(), cells);
  const Mat<float> tp = candidates * samples.transpose();  // (S + 2) × S counts
  const Eigen::VectorXf on_c = candidates.rowwise().sum(), on_s = samples.rowwise().sum();
  Index best = S;
  double best_value = -1;
  for (Index c = 0; c < candidates.rows(); ++c) {
    double value = 0;
    for (Index j = 0; j < S; ++j) {
      const double den = static_cast<double>(on_c[c] + on_s[j] - tp(c, j));
      value += g.weights[j] * (den > 0 ? static_cast<double>(tp(c, j)) / den : 1.0);
    }
    if (value > best_value) best_value = value, best = c;
  }
  Roll out(g.marginals.rows(), g.marginals.cols());
  Eigen::Map<Eigen::RowVectorXf>(out.data(), cells) = candidates.row(best);
  return out;
}

Roll decide(const Roll& marginals, Decision decision) {
  if (decision == Decision::bayes) throw std::invalid_argument("the bayes decision needs samples (bayes_decision)");
  if (decision == Decision::threshold) return binarize(marginals);
  Roll out = Roll::Zero(marginals.rows(), marginals.cols());
  std::vector<Index> order(static_cast<std::size_t>(marginals.cols()));
  for (Index t = 0; t < marginals.rows(); ++t) {
    const auto k = static_cast<std::size_t>(std::lround(static_cast<double>(marginals.row(t).sum())));
    std::iota(order.begin(), order.end(), Index{0});
    std::stable_sort(order.begin(), order.end(), [&](Index a, Index b) { return marginals(t, a) > marginals(t, b); });
    for (std::size_t j = 0; j < std::min(k, order.size()); ++j) out(t, order[j]) = 1.0f;
  }
  return out;
}

ImputeOutcome impute_sequence(VraeNet& net, const Roll& clean, const Window& w, int steps, core::Rng& rng,
                              ImputeStart from) {
  return impute_paper(net, clean, w, steps, rng, from);
}
ImputeOutcome impute_sequence(VospNet& net, const Roll& clean, const Window& w, int steps, core::Rng& rng,
                              ImputeStart from) {
  return impute_paper(net, clean, w, steps, rng, from);
}

ImputeOutcome impute_particles(VospNet& net, const Roll& clean, const Window& w, const ParticleOptions& options,
                               Decision decision, core::Rng& rng) {
  return impute_with_particles(net, clean, w, options, decision, rng);
}
ImputeOutcome impute_particles(VraeNet& net, const Roll& clean, const Window& w, const ParticleOptions& options,
                               Decision decision, core::Rng& rng) {
  return impute_with_particles(net, clean, w, options, decision, rng);
}

PredictorGap predictor_through_gap(PredictorNet& net, const Roll& clean, const Window& w, Decision decision) {
  check_window(clean, w, Sides::before);
  check_width(clean, net.config().inputs);
  const Index end = w.start + w.length;
  PredictorGap out;
  // Exact and one-sided: the true frames fed back.
  {
    const Mat<float> logits = net.logits(clean.topRows(end));
    const ColVec<float> mask = ColVec<float>::Ones(w.length);
    out.log_prob = -static_cast<double>(model::bernoulli_nll<float>(
        logits.middleRows(w.start, w.length), clean.middleRows(w.start, w.length), mask, w.length, 1));
  }
  out.imputed = without_window(clean, w);
  out.probabilities.resize(w.length, clean.cols());
  for (Index t = w.start; t < end; ++t) {
    const Mat<float> logits = net.logits(out.imputed.topRows(t + 1));
    out.probabilities.row(t - w.start) = (1.0f / (1.0f + (-logits.row(t).array()).exp())).matrix();
    out.imputed.row(t) =
        decide(out.probabilities.row(t - w.start), decision == Decision::bayes ? Decision::top_k : decision);
  }
  out.scores = note_scores(clean, out.imputed, w.start, w.length);
  return out;
}

}  // namespace seqvi::infer
