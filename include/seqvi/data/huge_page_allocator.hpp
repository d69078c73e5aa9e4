// An allocator for large, short-lived buffers that asks the kernel for transparent huge pages.
#ifndef SEQVI_DATA_HUGE_PAGE_ALLOCATOR_HPP
#define SEQVI_DATA_HUGE_PAGE_ALLOCATOR_HPP

#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>

#include <sys/mman.h>

namespace seqvi::data {

/// A std::allocator replacement for big arrays (the pickle reader's input, stack, memo and items).
///
/// Why: on virtual machines a 4 KiB page fault can cost ~10 µs, so touching 100 MB of fresh memory
/// page by page costs ~0.3 s, more than parsing MuseData. Allocations of at least 2 MiB are mapped
/// 2 MiB-aligned with madvise(MADV_HUGEPAGE), which lets the kernel back them with huge pages where
/// transparent huge pages are enabled ("always" or "madvise"); elsewhere the hint is ignored.
/// Smaller requests go to std::allocator. Stateless; all instances compare equal.
///
/// Under AddressSanitizer every request goes to std::allocator: mmap'd memory is invisible to ASan,
/// and the pickle reader's input buffer is exactly what the mutation tests must see overrun.
template <class T>
class HugePageAllocator {
 public:
  using value_type = T;
  static constexpr std::size_t kHugePage = std::size_t{2} << 20;
#if defined(__SANITIZE_ADDRESS__)
  static constexpr bool kSanitized = true;
#else
  static constexpr bool kSanitized = false;
#endif

  HugePageAllocator() noexcept = default;
  template <class U>
  HugePageAllocator(const HugePageAllocator<U>& /*other*/) noexcept {}  // NOLINT: rebinding

  /// @throws std::bad_alloc if the memory cannot be mapped
  T* allocate(std::size_t n) {
    if (n > SIZE_MAX / sizeof(T) - kHugePage) throw std::bad_alloc();
    const std::size_t bytes = n * sizeof(T);
    if (bytes < kHugePage || kSanitized) return std::allocator<T>{}.allocate(n);
    const std::size_t length = round_up(bytes);
    void* mapped = ::mmap(nullptr, length + kHugePage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mapped == MAP_FAILED) throw std::bad_alloc();
    // Keep a 2 MiB-aligned window of the mapping and give the rest back.
    const auto base = reinterpret_cast<std::uintptr_t>(mapped);
    const std::uintptr_t aligned = (base + kHugePage - 1) & ~std::uintptr_t{kHugePage - 1};
    if (aligned > base) ::munmap(mapped, aligned - base);
    const std::uintptr_t tail = base + length + kHugePage - (aligned + length);
    if (tail > 0) ::munmap(reinterpret_cast<void*>(aligned + length), tail);
    ::madvise(reinterpret_cast<void*>(aligned), length, MADV_HUGEPAGE);  // a hint: failure is harmless
    return reinterpret_cast<T*>(aligned);
  }

  void deallocate(T* p, std::size_t n) noexcept {
    const std::size_t bytes = n * sizeof(T);
    if (bytes < kHugePage || kSanitized) {
      std::allocator<T>{}.deallocate(p, n);
      return;
    }
    ::munmap(p, round_up(bytes));
  }

  friend bool operator==(const HugePageAllocator&, const HugePageAllocator&) noexcept { return true; }

 private:
  static std::size_t round_up(std::size_t bytes) { return (bytes + kHugePage - 1) & ~(kHugePage - 1); }
};

/// Asks for transparent huge pages under the 2 MiB-aligned part of [data, data + bytes), memory the
/// caller owns but has not touched yet (e.g. a std::vector after reserve(), before it is filled).
/// A hint: does nothing for spans under 2 MiB or where transparent huge pages are off.
inline void advise_huge_pages(void* data, std::size_t bytes) noexcept {
  constexpr std::uintptr_t kHuge = std::uintptr_t{2} << 20;
  const auto begin = (reinterpret_cast<std::uintptr_t>(data) + kHuge - 1) & ~(kHuge - 1);
  const auto end = (reinterpret_cast<std::uintptr_t>(data) + bytes) & ~(kHuge - 1);
  if (end > begin) ::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
}

}  // namespace seqvi::data

#endif  // SEQVI_DATA_HUGE_PAGE_ALLOCATOR_HPP
