#pragma once
// Harmonic analysis of a 10/12-cycle window, one cycle at a time.
//
// IEC 61000-4-7 asks for a DFT of the whole window resampled to a fixed
// length synchronous with the fundamental: N = P * C points for C cycles of
// P points each, bins spaced f1 / C. Only the bins of the harmonic subgroups
// are needed (bin C*h + d, d in {-1, 0, +1}), and each of those is a sum over
// cycles of P-point transforms:
//
//   X[C*h + d] = sum_c exp(-j 2 pi d c / C) * DFT_P{ x_c[m] exp(-j 2 pi d m / N) }[h]
//              = DFT_P{ exp(-j 2 pi d m / N) * sum_c exp(-j 2 pi d c / C) x_c[m] }[h]
//
// The DFT is linear, so no cycle needs a transform of its own: the centre
// bins (d = 0) are those of the plain sum of the cycles, and the neighbours
// (d = +1; d = -1 is its mirror for a real signal) those of the cycles
// folded, rotated by exp(-j 2 pi c / C), into one complex cycle. Both are
// accumulated point by point while the window runs and transformed once
// when it closes: one real and one complex 128-point FFT per channel and
// window, instead of one FFT per cycle. Memory stays at one real and one
// complex cycle per channel, and the result equals the N-point DFT at those
// bins to rounding.

#include <array>
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "meter/dsp/complex.h"
#include "meter/dsp/cycle_fft.h"
#include "meter/dsp/target.h"
#include "meter/status.h"

#ifndef METER_MAX_HARMONIC_ORDER
#define METER_MAX_HARMONIC_ORDER 50
#endif

namespace meter::dsp {

inline constexpr int kMaxHarmonicOrder = METER_MAX_HARMONIC_ORDER;
inline constexpr int kMaxCyclesPerWindow = 12;
static_assert(kMaxHarmonicOrder >= 2 && kMaxHarmonicOrder < kPointsPerCycle / 2,
              "harmonic orders must stay below the resampled Nyquist order");

/// Un-normalised DFT sums of the subgroup bins of one channel: bin(h, d) is
/// X[C*h + d] for h in 1..kMaxHarmonicOrder, d in {-1, 0, +1}.
class HarmonicBins {
 public:
  void Reset() { bins_.fill(ComplexF{}); }
  ComplexF& at(int order, int d) { return bins_[Index(order, d)]; }
  const ComplexF& at(int order, int d) const { return bins_[Index(order, d)]; }

 private:
  static std::size_t Index(int order, int d) { return static_cast<std::size_t>(3 * order + d + 1); }
  std::array<ComplexF, 3 * (kMaxHarmonicOrder + 1)> bins_{};
};

template <typename Numeric>
class CycleTransform;

/// One channel's subgroup bins, built over a window. While the window runs
/// it holds the sum and the fold of the cycles; FinishWindow transforms them
/// into the centre and neighbour bins, in their own memory (so a channel
/// costs one real and one complex cycle of samples). at(h, d) is valid once
/// finished().
template <typename Numeric>
class SubgroupBins {
 public:
  using Sample = typename Numeric::Sample;

  void Reset() {
    storage_.running = {};  // (re)starts the sums as the union's active member
    block_shift_ = kMaxBlockShift;
    block_bound_ = 0;
    finished_ = false;
  }
  bool finished() const { return finished_; }
  ComplexF& at(int order, int d) { return storage_.bins[Index(order, d)]; }
  const ComplexF& at(int order, int d) const { return storage_.bins[Index(order, d)]; }

 private:
  friend class CycleTransform<Numeric>;
  static std::size_t Index(int order, int d) { return static_cast<std::size_t>(3 * order + d + 1); }

  struct Running {
    std::array<Sample, 2 * kPointsPerCycle> fold{};  // interleaved re, im
    std::array<Sample, kPointsPerCycle> sum{};
  };
  union Storage {
    Running running{};
    std::array<ComplexF, 3 * (kMaxHarmonicOrder + 1)> bins;  // (h, -1), (h, 0), (h, +1)
  } storage_{};
  static_assert(sizeof(std::array<ComplexF, 3 * (kMaxHarmonicOrder + 1)>) <= sizeof(Running),
                "the finished bins reuse the running sums' memory");
  // Q31 only: the sum and the fold hold values times 2^block_shift_ (block
  // floating point over the window, so a window at 1e-4 of full scale keeps
  // its precision); block_bound_ bounds every stored component of both,
  // which stays below 2^28 (a rescale halves them before they could reach
  // it; see kBlockLimit).
  static constexpr int kMaxBlockShift = 30;
  int block_shift_ = kMaxBlockShift;
  std::uint32_t block_bound_ = 0;
  bool finished_ = false;
};

namespace detail {
/// CycleTransform's Q31 pass over one cycle: for m < kPointsPerCycle, with
/// xs = Q31Numeric::ShiftRounded(x[m], pre),
///   fold[2m] += MulHighRounded(xs, tw_re), fold[2m+1] += MulHighRounded(xs, tw_im),
///   sum[m] += (xs + 2) >> 2.
void AccumulateScaledCycleQ31(const std::int32_t* x, int pre, std::int32_t tw_re, std::int32_t tw_im,
                              std::int32_t* fold, std::int32_t* sum);
/// The same on the Cortex-M4F, two points a pass (cycle_spectrum_arm.cc;
/// defined where kArmBlockLoads; hand_written_forms_test checks it against
/// the portable loop on the target). @pre pre != -1 or no x[m] is INT32_MAX.
void AccumulateScaledCycleQ31Arm(const std::int32_t* x, int pre, std::int32_t tw_re, std::int32_t tw_im,
                                 std::int32_t* fold, std::int32_t* sum);
/// The float pass: fold[2m] += tw_re x[m], fold[2m+1] += tw_im x[m], sum[m] += x[m].
void AccumulateCycleFloat(const float* x, float tw_re, float tw_im, float* fold, float* sum);
/// The same operations eight points at a time, on a CPU with AVX2
/// (cycle_spectrum_x86.cc; defined where kX86Avx2, taken where
/// X86HasAvx2Fma): the same sums to the bit (float products and sums
/// rounded one at a time, as in the portable loops).
void AccumulateScaledCycleQ31Avx2(const std::int32_t* x, int pre, std::int32_t tw_re, std::int32_t tw_im,
                                  std::int32_t* fold, std::int32_t* sum);
void AccumulateCycleFloatAvx2(const float* x, float tw_re, float tw_im, float* fold, float* sum);
}  // namespace detail

template <typename Numeric>
class CycleTransform {
 public:
  using Sample = typename Numeric::Sample;

  /// @returns kInvalidArgument unless 1 <= cycles_per_window <= kMaxCyclesPerWindow;
  ///          kResourceExhausted if the FFT plans do not fit their arena.
  Status Init(int cycles_per_window);
  int cycles_per_window() const { return cycles_; }

  /// Adds one resampled cycle `x[0 .. kPointsPerCycle)` (the
  /// `cycle_index`-th of the window) to the window's sum and fold. `x` is
  /// not modified.
  void AccumulateCycle(const Sample* x, int cycle_index, SubgroupBins<Numeric>& bins);

  /// Closes the window: transforms the sum and the fold into the subgroup
  /// bins, un-normalised DFT sums times `scale` (the channel's value of one
  /// Numeric::ToFloat unit). Call once per window, after its last cycle.
  void FinishWindow(float scale, SubgroupBins<Numeric>& bins);
  /// FinishWindow of `count` channels, channel c with scale[c] into
  /// *bins[c]: the same bins. On x86-64 hosts the float transforms run four
  /// channels at a time (CycleFftBatch).
  void FinishWindows(const float* scale, SubgroupBins<Numeric>* const* bins, int count);

 private:
  // The finished bins over the consumed sums: the centre bins, and the
  // fold's transform (bin k from fold_bin(k)) for the neighbours.
  template <typename FoldBin>
  static void StoreBins(SubgroupBins<Numeric>& bins, const std::array<ComplexF, kMaxHarmonicOrder + 1>& centre,
                        FoldBin fold_bin);

  CycleFft<Numeric> fft_{};
  // The float transforms four channels at a time where the build has the
  // four-lane KissFFT (nothing elsewhere).
  static constexpr bool kBatch = kX86FftBatch && !Numeric::kFixedPoint;
  struct NoBatch {};
  [[no_unique_address]] std::conditional_t<kBatch, CycleFftBatch, NoBatch> batch_{};
  int cycles_ = 0;
  using Coef = typename Numeric::Coef;
  std::array<Coef, kPointsPerCycle> shift_re_{}, shift_im_{};                      // exp(-j 2 pi m / N)
  std::array<Coef, kMaxCyclesPerWindow> cycle_twiddle_re_{}, cycle_twiddle_im_{};  // exp(-j 2 pi c / C)
};

}  // namespace meter::dsp
