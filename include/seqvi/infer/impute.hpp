// Imputation of missing frames (Bayer & Osendorfer 2014, sec. 5): a window of frames is removed from
// a roll and inferred from the observed frames on both sides of it.
//
// `particles` (the default of seqvi impute): the model's own distribution of the missing frames
// given the observed ones, p(x_gap | x_obs), by Monte Carlo, as marginal probabilities per cell and
// an estimate of log p(x_gap = truth | x_obs):
//   VOSP (a filter, one frame at a time through Vosp::prior_step / emission_step / advance):
//     sequential Monte Carlo. N particles start from the recognition state after the frames before
//     the gap; through the gap each draws z_t from the prior and x_t ~ p(x_t | z_t, h_{t−1}) and
//     feeds it to the recognition RNN; through the `lookahead` observed frames after the gap each
//     is weighted by p(x_t | z_t, h_{t−1}) with a fresh prior draw of z_t (an unbiased estimate of
//     the particle's p(x_t | x_{<t})), resampling (systematic) when the effective sample size drops
//     below N/2. The gap's marginals are the weighted means of the particles' σ(ℓ_t) =
//     p(x_t = 1 | x_{<t}, z_t): the posterior mean of the model's probability of frame t given the
//     frames before it (for the window's last frames not quite P(x_t = 1 | obs), which also counts
//     how x_t itself predicts the frames after it — but of far lower variance than the weighted mean
//     of the 0/1 draws, and measured better: docs/applications.md);
//     log p(truth | obs) = log p̂(truth, after | before) − log p̂(after | before), the second run of
//     the same filter with the gap's frames observed.
//   VRAE (z_{1:T} explains the whole sequence): importance sampling of z with the recognition model
//     as proposal, q(z | x̃), x̃ = the roll with the gap filled in (first the mean of its two
//     neighbouring frames, then each round's marginals), weight p(x_obs | z) p(z) / q(z | x̃)
//     (VariationalModel::forward_pass: logits, log p(z), log q(z | x̃)); given z the gap's frames are
//     independent Bernoullis, so the marginals are Σ_i W_i σ(ℓ_i) and
//     log p(truth | obs) = log Σ_i W_i p(truth | z_i) (all rounds' particles pooled).
//     With `refill = samples` the rounds are population Monte Carlo: round r + 1's particle i reads
//     its own x̃_i, the window drawn from p(x_gap | z_a) of an ancestor a resampled (systematic) by
//     round r's weights; its weight p(x_obs | z_i) p(z_i) / q(z_i | x̃_i) is an importance weight
//     given its own proposal, so all rounds still pool. (A frame-by-frame filter as for the VOSP is
//     not possible: the generating RNN is bidirectional, p(x_t | z) reads z_{t..T}.)
// `paper`: the paper's procedure (fill the gap, then steps of posterior mode → emission mode →
//   replace the gap's frames); it gives no probability.
// Baselines: copy the frame before the gap; interpolate its two neighbouring frames (a key is on
// when it is on at both ends); a one-step predictor (FD-RNN) run through the gap on its own
// predictions (predictor_through_gap).
#ifndef SEQVI_INFER_IMPUTE_HPP
#define SEQVI_INFER_IMPUTE_HPP

#include "seqvi/core/rng.hpp"
#include "seqvi/infer/predictor_net.hpp"
#include "seqvi/infer/roll.hpp"
#include "seqvi/infer/roll_metrics.hpp"
#include "seqvi/infer/vosp_net.hpp"
#include "seqvi/infer/vrae_net.hpp"

#include <limits>
#include <vector>

namespace seqvi::infer {

/// The frames [start, start + length) of a roll.
struct Window {
  model::Index start = 0;
  model::Index length = 8;
};

/// The baseline: every missing frame is a copy of the last observed frame before the window.
/// @throws std::invalid_argument unless 1 ≤ start and start + length ≤ frames (there must be a
///         frame before the window), naming the window and the frames
Roll copy_previous_frame(const Roll& roll, const Window& window);

/// The interpolation baseline: key k of every missing frame is on when it is on in both neighbouring
/// frames, start − 1 and start + length (the binary linear interpolation of the two).
/// @throws std::invalid_argument unless 1 ≤ start and start + length < frames, naming them
Roll interpolate_neighbours(const Roll& roll, const Window& window);

/// The roll with the window's frames replaced by uniform random values in [0, 1).
Roll fill_uniform(const Roll& roll, const Window& window, core::Rng& rng);

/// The paper's procedure: `steps` (≥ 1) iterations of posterior mode → emission mode → replace the
/// window's frames, from `start` (the roll with the window already filled). Returns the roll after
/// the last step. @throws std::invalid_argument for steps < 1 or a window outside the roll
Roll impute(VraeNet& net, const Roll& start, const Window& window, int steps);
/// The same with a VOSP's (online) posterior mode.
Roll impute(VospNet& net, const Roll& start, const Window& window, int steps);

/// What the window holds before the paper's first step: uniform random values (the paper's), or a
/// copy of the frame before it (the baseline, which the steps then refine).
enum class ImputeStart { uniform, previous };

/// VRAE, how round r + 1's proposal input x̃ fills the window: `marginals` — one x̃ for all particles,
/// the window's marginals after round r; `samples` — per particle a draw x_gap ~ p(x_gap | z_a) of an
/// ancestor a resampled (systematic) from round r's weights (population Monte Carlo).
enum class VraeRefill { marginals, samples };

/// The particle methods' settings (see the file comment).
struct ParticleOptions {
  int particles = 256;  ///< VOSP: particles; VRAE: importance samples per round
  int lookahead = 1;    ///< VOSP: observed frames after the gap that weight the particles (0: none)
  int context = 8;      ///< VRAE: observed frames each side of the gap it reads (0: the whole roll)
  int rounds = 1;       ///< VRAE: proposals, each from the previous round (refill)
  VraeRefill refill = VraeRefill::marginals;  ///< VRAE: how a round's proposal input is filled
};

/// A particle approximation of p(x_gap | x_obs).
struct GapPosterior {
  /// length × D: VRAE, the estimated P(x_tk = 1 | observed frames); VOSP, the estimated posterior
  /// mean of p(x_tk = 1 | x_{<t}, z_t) (file comment)
  Roll marginals;
  /// log p(x_gap = truth | observed frames) in nats (the whole window), if a truth was given; NaN otherwise
  double log_prob = std::numeric_limits<double>::quiet_NaN();
  double ess = 0;  ///< effective sample size (Σ W)² / Σ W² of the final weights
  /// Weighted samples of the window (length × D each, binary) and their normalised weights W
  std::vector<Roll> samples;
  Eigen::VectorXd weights;
};

/// The VOSP's sequential Monte Carlo (file comment). `observed` is the whole roll (T × D); its
/// window rows are never read. `truth`, if given (length × D), is scored: log_prob.
/// @throws std::invalid_argument for a window outside the roll, particles < 1, lookahead < 0, or a
///         truth of another shape
GapPosterior vosp_gap_posterior(VospNet& net, const Roll& observed, const Window& window,
                                const ParticleOptions& options, core::Rng& rng, const Roll* truth = nullptr);

/// The VRAE's importance sampling (file comment); arguments and throws as vosp_gap_posterior
/// (rounds < 1 and context < 0 are errors too).
GapPosterior vrae_gap_posterior(VraeNet& net, const Roll& observed, const Window& window,
                                const ParticleOptions& options, core::Rng& rng, const Roll* truth = nullptr);

/// How the posterior becomes a roll: `threshold` — π ≥ ½; `top_k` — per frame the round(Σ_k π_tk)
/// keys of highest π (the expected number of notes); `bayes` — the roll of highest expected accuracy
/// TP / (TP + FP + FN) on the window under the weighted samples, among the samples and the other two
/// decisions (bayes_decision).
enum class Decision { threshold, top_k, bayes };
/// threshold or top_k of the marginals. @throws std::invalid_argument for bayes
Roll decide(const Roll& marginals, Decision decision);
/// The bayes decision. @throws std::invalid_argument without samples and weights
Roll bayes_decision(const GapPosterior& posterior);

/// One sequence of the experiment: the rolls and the scores on the missing frames.
struct ImputeOutcome {
  Window window;
  Roll clean, initial, imputed, baseline, interpolated;  ///< initial: the paper's filled window; empty for particles
  /// The method's marginal probabilities in the window and the observed frames elsewhere (T × D);
  /// empty for the paper's method
  Roll probabilities;
  NoteScores imputed_scores, baseline_scores, interpolation_scores;  ///< on the window's frames only
  double log_prob = std::numeric_limits<double>::quiet_NaN();        ///< GapPosterior::log_prob (particles)
  double ess = 0;                                                    ///< GapPosterior::ess (particles)
  std::vector<NoteScores> step_scores;                               ///< the paper's: scores after each step
};

/// The paper's method: fills the window of `clean` (fill_uniform(rng) or copy_previous_frame, as
/// `from` says), imputes it for `steps` steps, and scores it and the baselines on the window.
/// The window needs a frame on both sides (the interpolation baseline).
ImputeOutcome impute_sequence(VraeNet& net, const Roll& clean, const Window& window, int steps, core::Rng& rng,
                              ImputeStart from = ImputeStart::uniform);
ImputeOutcome impute_sequence(VospNet& net, const Roll& clean, const Window& window, int steps, core::Rng& rng,
                              ImputeStart from = ImputeStart::uniform);

/// The particle method (vosp_gap_posterior / vrae_gap_posterior, scoring the true window), its
/// decision, and the baselines' scores. The window needs a frame on both sides.
ImputeOutcome impute_particles(VospNet& net, const Roll& clean, const Window& window, const ParticleOptions& options,
                               Decision decision, core::Rng& rng);
ImputeOutcome impute_particles(VraeNet& net, const Roll& clean, const Window& window, const ParticleOptions& options,
                               Decision decision, core::Rng& rng);

/// A one-step predictor run through the gap: from the frames before it, frame by frame, its
/// probabilities p(x_t | x_{<t}) with the gap's earlier frames replaced by its own decisions.
struct PredictorGap {
  Roll imputed;        ///< the roll with the window filled by the decisions
  Roll probabilities;  ///< length × D, the probabilities behind them
  /// log p(x_gap = truth | frames before it) in nats (the true frames fed back: exact, one-sided)
  double log_prob = 0;
  NoteScores scores;  ///< of `imputed` on the window
};
/// @throws std::invalid_argument for a window outside the roll or a roll of another width
PredictorGap predictor_through_gap(PredictorNet& net, const Roll& clean, const Window& window, Decision decision);

}  // namespace seqvi::infer

#endif  // SEQVI_INFER_IMPUTE_HPP
