#include "seqvi/train/kl_warmup.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace seqvi::train {

double kl_warmup_weight(std::int64_t warmup_epochs, std::int64_t epoch, std::int64_t batch, std::int64_t batches) {
  if (warmup_epochs < 0)
    throw std::invalid_argument("kl_warmup is " + std::to_string(warmup_epochs) + ", must be >= 0");
  if (epoch < 0) throw std::invalid_argument("epoch is " + std::to_string(epoch) + ", must be >= 0");
  if (batches < 1) throw std::invalid_argument("batches is " + std::to_string(batches) + ", must be >= 1");
  if (batch < 0 || batch >= batches)
    throw std::invalid_argument("batch is " + std::to_string(batch) + ", must be in [0, " + std::to_string(batches) +
                                ")");
  if (warmup_epochs == 0) return 1.0;
  const double done = static_cast<double>(epoch) * static_cast<double>(batches) + static_cast<double>(batch + 1);
  return std::min(1.0, done / (static_cast<double>(warmup_epochs) * static_cast<double>(batches)));
}

}  // namespace seqvi::train
