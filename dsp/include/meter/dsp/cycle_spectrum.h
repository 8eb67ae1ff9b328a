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
// The centre bins (d = 0) are sums of each cycle's own real transform, which
// the meter needs anyway (per-cycle reactive energy). For the neighbours
// (d = +1; d = -1 is its mirror for a real signal) the DFT is linear, so the
// cycles are first folded, rotated by exp(-j 2 pi c / C), into one complex
// cycle per channel, and that fold is transformed once when the window
// closes: one complex FFT per channel and window instead of one per cycle.
// Memory stays at one cycle per channel (the fold), and the result equals
// the N-point DFT at those bins to rounding.

#include <array>
#include <cstddef>
#include <cstdint>

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

template <typename Numeric>
class CycleTransform;

/// One channel's subgroup bins, built over a window. While the window runs
/// it holds the centre bins and the fold of the cycles; FinishWindow turns
/// the fold into the neighbour bins, in the fold's own memory (so a channel
/// costs one cycle of complex samples, not a cycle plus all 3 bins per order).
/// at(h, 0) is valid at any time, at(h, +-1) only once finished().
template <typename Numeric>
class SubgroupBins {
 public:
  using Sample = typename Numeric::Sample;

  void Reset() {
    centre_.fill(ComplexF{});
    storage_.fold = {};  // (re)starts the fold as the union's active member
    fold_shift_ = kMaxFoldShift;
    fold_bound_ = 0;
    finished_ = false;
  }
  bool finished() const { return finished_; }
  ComplexF& at(int order, int d) { return d == 0 ? centre_[Order(order)] : storage_.neighbours[Neighbour(order, d)]; }
  const ComplexF& at(int order, int d) const {
    return d == 0 ? centre_[Order(order)] : storage_.neighbours[Neighbour(order, d)];
  }

 private:
  friend class CycleTransform<Numeric>;
  static std::size_t Order(int order) { return static_cast<std::size_t>(order); }
  static std::size_t Neighbour(int order, int d) { return static_cast<std::size_t>(2 * order + (d > 0 ? 1 : 0)); }

  std::array<ComplexF, kMaxHarmonicOrder + 1> centre_{};
  union Storage {
    std::array<Sample, 2 * kPointsPerCycle> fold{};  // interleaved re, im
    std::array<ComplexF, 2 * (kMaxHarmonicOrder + 1)> neighbours;  // (h, -1), (h, +1)
  } storage_{};
  // Q31 only: the fold holds values times 2^fold_shift_ (block floating
  // point over the window, so a window at 1e-4 of full scale keeps its
  // precision); fold_bound_ bounds every stored component, which stays
  // below 2^30 (a rescale halves the fold before it could wrap).
  static constexpr int kMaxFoldShift = 30;
  int fold_shift_ = kMaxFoldShift;
  std::uint32_t fold_bound_ = 0;
  bool finished_ = false;
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
  /// `cycle_index`-th of the window): adds its spectrum to the centre bins,
  /// multiplied by `scale` (the channel's value of one Numeric::ToFloat
  /// unit), and folds it for the neighbours. `x` is not modified.
  void AccumulateCycle(const Sample* x, int cycle_index, float scale, SubgroupBins<Numeric>& bins);

  /// Closes the window: transforms the fold into the neighbour bins (same
  /// `scale`). Call once per window, after its last cycle.
  void FinishWindow(float scale, SubgroupBins<Numeric>& bins);

  /// The last cycle's own spectrum (un-normalised P-point DFT times `scale`,
  /// orders 0..P/2): harmonic phasors of that single synchronous cycle.
  const ComplexF* last_cycle_spectrum() const { return real_out_.data(); }

 private:
  CycleFft<Numeric> fft_{};
  int cycles_ = 0;
  using Coef = typename Numeric::Coef;
  std::array<Coef, kPointsPerCycle> shift_re_{}, shift_im_{};  // exp(-j 2 pi m / N)
  std::array<Coef, kMaxCyclesPerWindow> cycle_twiddle_re_{}, cycle_twiddle_im_{};  // exp(-j 2 pi c / C)
  std::array<ComplexF, kPointsPerCycle / 2 + 1> real_out_{};
};

}  // namespace meter::dsp
