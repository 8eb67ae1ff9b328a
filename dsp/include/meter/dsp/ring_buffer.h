#pragma once
// Fixed-capacity history of the most recent samples, indexed by absolute
// sample number. Capacity is a power of two so indexing is a mask.

#include <array>
#include <cstddef>
#include <cstdint>

namespace meter::dsp {

/// Samples k = 0, 1, ... of a run stored one after another: what ReadRun
/// hands over when the run does not wrap. A kernel can recognise the type and
/// use block loads (see SincInterpolator::InterpolateFrames).
template <typename T>
struct ContiguousRun {
  const T* data;
  const T& operator()(int k) const { return data[k]; }
};
template <typename Reader>
inline constexpr bool kIsContiguousRun = false;
template <typename T>
inline constexpr bool kIsContiguousRun<ContiguousRun<T>> = true;

template <typename T, std::size_t kCapacity>
class SampleHistory {
  static_assert(kCapacity >= 4 && (kCapacity & (kCapacity - 1)) == 0, "history capacity must be a power of two");

 public:
  static constexpr std::size_t capacity() { return kCapacity; }
  void Reset() { data_.fill(T{}); }
  /// Stores the sample with absolute number `n`.
  void Put(std::uint64_t n, const T& value) { data_[n & (kCapacity - 1)] = value; }
  /// The sample with absolute number `n`. @pre n is within the last kCapacity samples.
  const T& At(std::uint64_t n) const { return data_[n & (kCapacity - 1)]; }
  /// The samples n .. n + count - 1 as one array, when they do not wrap
  /// around the end of the storage; nullptr when they do (read them with At).
  const T* Contiguous(std::uint64_t n, std::size_t count) const {
    const std::size_t first = n & (kCapacity - 1);
    return first + count <= kCapacity ? &data_[first] : nullptr;
  }
  /// Calls use(sample) where sample(k) is the sample n + k, k < count, and
  /// returns what use returns: plain array reads when the run does not wrap
  /// (the usual case on a per-sample path), masked reads when it does.
  template <typename Use>
  decltype(auto) ReadRun(std::uint64_t n, std::size_t count, Use use) const {
    if (const T* run = Contiguous(n, count)) return use(ContiguousRun<T>{run});
    return use([this, n](int k) -> const T& { return At(n + static_cast<std::uint64_t>(k)); });
  }

 private:
  std::array<T, kCapacity> data_{};
};

}  // namespace meter::dsp
