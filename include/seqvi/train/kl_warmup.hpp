// KL warm-up: the weight β of the KL in the training objective recon + β·KL, rising linearly from
// near 0 to 1 over the first `kl_warmup` epochs (Bowman et al. 2016, "Generating sentences from a
// continuous space"; Sønderby et al. 2016, "Ladder variational autoencoders"), so the generating
// model learns to use z before the KL pulls q onto the prior. Only gradients see β: validation,
// early stopping, checkpoint selection, curves and everything printed use β = 1, the true bound.
#ifndef SEQVI_TRAIN_KL_WARMUP_HPP
#define SEQVI_TRAIN_KL_WARMUP_HPP

#include <cstdint>

namespace seqvi::train {

/// β for training batch j (0-based) of epoch e (0-based) out of n batches per epoch, with a warm-up
/// of W epochs:  β = min(1, (e·n + j + 1) / (W·n)),  and β = 1 for W = 0 (no warm-up).
/// So β grows by 1/(W·n) per batch and reaches exactly 1 at the last batch of epoch W. A pure
/// function of (e, j, n, W), all of which a checkpoint holds: resumed runs see the same β.
/// @throws std::invalid_argument on W < 0, e < 0, n < 1 or j ∉ [0, n), naming the value
double kl_warmup_weight(std::int64_t warmup_epochs, std::int64_t epoch, std::int64_t batch, std::int64_t batches);

}  // namespace seqvi::train

#endif  // SEQVI_TRAIN_KL_WARMUP_HPP
