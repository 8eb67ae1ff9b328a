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
//
// So each cycle costs one real P-point FFT (d = 0) and one complex P-point
// FFT (d = +1; d = -1 is its mirror for a real signal), and the window needs
// no buffer of N points: memory is one cycle per channel instead of a whole
// window. The result equals the N-point DFT at those bins to rounding.

#include <array>
#include <cstddef>

#include "meter/dsp/complex.h"
#include "meter/dsp/cycle_fft.h"
#include "meter/dsp/status.h"

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

/// The shared transform engine: FFT plans, the shift table and scratch
/// buffers, for one numeric policy. One instance serves every channel.
template <typename Numeric>
class CycleTransform {
 public:
  using Sample = typename Numeric::Sample;

  /// @returns kInvalidArgument unless 1 <= cycles_per_window <= kMaxCyclesPerWindow;
  ///          kResourceExhausted if the FFT plans do not fit their arena.
  Status Init(int cycles_per_window);
  int cycles_per_window() const { return cycles_; }

  /// Transforms one resampled cycle `x[0 .. kPointsPerCycle)` (the
  /// `cycle_index`-th of the window) and adds its contribution to the
  /// subgroup bins of orders 1..max_order, multiplied by `scale` (the
  /// channel's value of one Numeric::ToFloat unit). `x` is not modified.
  void AccumulateCycle(const Sample* x, int cycle_index, int max_order, float scale, HarmonicBins& bins);

  /// The last cycle's own spectrum (un-normalised P-point DFT times `scale`,
  /// orders 0..P/2): harmonic phasors of that single synchronous cycle.
  const ComplexF* last_cycle_spectrum() const { return real_out_.data(); }

 private:
  CycleFft<Numeric> fft_{};
  int cycles_ = 0;
  using Coef = typename Numeric::Coef;
  std::array<Coef, kPointsPerCycle> shift_re_{}, shift_im_{};  // exp(-j 2 pi m / N)
  std::array<ComplexF, kMaxCyclesPerWindow> cycle_twiddle_{};   // exp(-j 2 pi c / C)
  std::array<ComplexF, kPointsPerCycle / 2 + 1> real_out_{};
  std::array<ComplexF, kPointsPerCycle> shifted_out_{};
};

}  // namespace meter::dsp
