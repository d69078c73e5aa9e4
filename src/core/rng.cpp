#include "seqvi/core/rng.hpp"

#include <cmath>
#include <numbers>

namespace seqvi::core {

std::uint64_t Rng::uniform_index(std::uint64_t n) noexcept {
  // Lemire, "Fast random integer generation in an interval" (2019): multiply-shift with rejection.
  unsigned __int128 m = static_cast<unsigned __int128>(next_u64()) * n;
  auto low = static_cast<std::uint64_t>(m);
  if (low < n) {
    const std::uint64_t threshold = (0 - n) % n;
    while (low < threshold) {
      m = static_cast<unsigned __int128>(next_u64()) * n;
      low = static_cast<std::uint64_t>(m);
    }
  }
  return static_cast<std::uint64_t>(m >> 64);
}

double Rng::normal() noexcept {
  // u1 in (0, 1] so that log(u1) is finite.
  const double u1 = 1.0 - uniform01();
  const double u2 = uniform01();
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

}  // namespace seqvi::core
