// Rng: a small counter-based random generator with named streams, identical on every platform.
//
// Why not <random>: std::normal_distribution and std::uniform_int_distribution are
// implementation-defined, so the same seed gives different numbers under libstdc++ and libc++.
// A trial's result must depend only on its configuration and seed (DEVELOPERS brief), so seqvi
// derives every random number from SplitMix64 (Steele, Lea & Flood 2014) over a (seed, stream)
// key with fully specified transforms: Lemire's unbiased bounded integers and Box–Muller normals.
// The state is two integers, so checkpoints store it exactly.
#ifndef SEQVI_CORE_RNG_HPP
#define SEQVI_CORE_RNG_HPP

#include <cstdint>
#include <string_view>

namespace seqvi::core {

/// SplitMix64's finaliser: a bijective 64-bit mix.
constexpr std::uint64_t mix64(std::uint64_t z) noexcept {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/// A stable 64-bit hash of a string (FNV-1a, then mixed), for naming streams ("shuffle", "init").
constexpr std::uint64_t hash64(std::string_view s) noexcept {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (char c : s) h = (h ^ static_cast<unsigned char>(c)) * 0x100000001b3ULL;
  return mix64(h);
}

/// Deterministic generator: the n-th output of stream (seed, stream) is mix64(key + n·γ).
class Rng {
 public:
  /// A generator for `stream` of `seed`; different streams are independent for practical purposes.
  explicit Rng(std::uint64_t seed, std::uint64_t stream = 0) noexcept
      : key_(mix64(seed ^ mix64(stream + 0x9e3779b97f4a7c15ULL))), counter_(0) {}
  Rng(std::uint64_t seed, std::string_view stream) noexcept : Rng(seed, hash64(stream)) {}

  /// Next uniformly distributed 64-bit integer.
  std::uint64_t next_u64() noexcept {
    ++counter_;
    return mix64(key_ + counter_ * 0x9e3779b97f4a7c15ULL);
  }
  /// Uniform integer in [0, n), unbiased (Lemire 2019); n must be > 0.
  std::uint64_t uniform_index(std::uint64_t n) noexcept;
  /// Uniform double in [0, 1) with 53 random bits.
  double uniform01() noexcept { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }
  /// Standard normal variate (Box–Muller, one value per call, no cached spare: state stays two ints).
  double normal() noexcept;

  /// The state, for checkpoints: restoring (key, counter) continues the same sequence.
  std::uint64_t key() const noexcept { return key_; }
  std::uint64_t counter() const noexcept { return counter_; }
  static Rng from_state(std::uint64_t key, std::uint64_t counter) noexcept {
    Rng r(0);
    r.key_ = key;
    r.counter_ = counter;
    return r;
  }

 private:
  std::uint64_t key_;
  std::uint64_t counter_;
};

/// Shuffles [first, last) in place with Fisher–Yates driven by rng (platform-independent).
template <class It>
void shuffle(It first, It last, Rng& rng) {
  const auto n = static_cast<std::uint64_t>(last - first);
  for (std::uint64_t i = n; i > 1; --i) {
    const std::uint64_t j = rng.uniform_index(i);
    using std::swap;
    swap(first[static_cast<std::ptrdiff_t>(i - 1)], first[static_cast<std::ptrdiff_t>(j)]);
  }
}

}  // namespace seqvi::core

#endif  // SEQVI_CORE_RNG_HPP
