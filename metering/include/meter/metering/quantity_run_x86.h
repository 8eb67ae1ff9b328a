#pragma once
// The meter's per-sample quantities summed over a run of consecutive
// samples with no cycle boundary, on an x86-64 host with AVX2 and FMA: one
// 8-lane vector per sample frame (va vb vc ia ib ic), so the sums, squares
// and products of all phases come from a handful of vector operations per
// sample instead of a scalar loop over phases and quantities.
//
// Float: the sums equal the portable per-sample loop's to float rounding,
// not to the bit (fused multiply-adds, and the run's values are summed
// before they reach the integrators); the host tests compare the two.
// Q31: the same integer operations, so the same sums to the bit.
//
// The same on every target: the set-ups and sums are plain structs, and
// the functions are declared everywhere but defined (quantity_run_x86.cc)
// and called only where dsp::kX86Avx2.

#include <cstdint>

namespace meter::detail {

/// The vectors' lanes are a frame's: 0-2 the phase voltages, 3-5 the phase
/// currents, 6-7 unused (always zero).
struct QuantityRunSetup {
  /// Largest spread of the current channels' phase advances, in whole
  /// samples, that the kernel takes (each lane's four Lagrange taps sit at
  /// its own offset within kMaxLagrangeTaps frames).
  static constexpr int kMaxLagrangeTaps = 8;
  alignas(32) float dc[8] = {};          ///< DC shift of every channel.
  alignas(32) float dc_current[8] = {};  ///< The same, current lanes only.
  /// Per frame of the compensation window, the current lanes' taps (zero
  /// elsewhere and outside each lane's four).
  alignas(32) float lagrange[kMaxLagrangeTaps][8] = {};
  int lagrange_taps = 0;   ///< Frames in the window; 0: the kernel cannot run.
  int lagrange_first = 0;  ///< First window frame relative to the sample.
};

/// Per lane, what the run adds up; `last` holds the same for the run's last
/// sample alone (the next cycle edge interpolates from it).
///   x        v and i, DC-shifted (lanes 0-5)
///   squares  their squares (lanes 0-5: kSquareLane[channel] = channel)
///   ic       the phase-compensated current, DC-shifted (lanes 3-5: phase p
///            in kCurrentLane + p)
///   vic      v times the compensated current (lanes 3-5, as ic)
///   lln      (va-vb)^2, (vb-vc)^2, (vc-va)^2 in lanes 0-2; (ia+ib+ic)^2 in lane 3
/// QuantityRunSumsQ31 has the same kinds and lane tables (its own lanes),
/// so the meter reads both alike.
struct QuantityRunSums {
  enum Kind : int { kX = 0, kSquares, kIc, kVIc, kLln, kKinds };
  static constexpr int kSquareLane[6] = {0, 1, 2, 3, 4, 5};
  static constexpr int kCurrentLane = 3;  ///< Lane of phase 0's ic and vic (and of its setup taps and DC).
  alignas(32) float sum[kKinds][8];
  alignas(32) float last[kKinds][8];
};

/// Sums the quantities of `count` >= 1 consecutive samples, on a CPU with
/// AVX2 and FMA (dsp::X86HasAvx2Fma). `first_frame`
/// points at the run's first sample frame (six floats per frame, frames
/// contiguous); every frame the compensation window reaches,
/// first_frame + 6 * (lagrange_first .. count - 1 + lagrange_first +
/// lagrange_taps - 1), must be readable. @pre setup.lagrange_taps > 0.
void SumQuantityRunAvx2(const QuantityRunSetup& setup, const float* first_frame, int count, QuantityRunSums& out);

/// The Q31 meter's run, with the same integer operations as its per-sample
/// loop: every difference, rounding and 64-bit product alike, so the sums
/// equal that loop's to the bit (integer sums do not depend on their
/// order). It has no saturation: the meter takes it only when its sample
/// bounds and DC shifts prove that no difference, sum or rounding of a run
/// can reach the saturation limits (BasicMeter::UpdateRunSetup).
struct QuantityRunSetupQ31 {
  static constexpr int kMaxLagrangeTaps = QuantityRunSetup::kMaxLagrangeTaps;
  alignas(32) std::int32_t dc[8] = {};          ///< DC shift of every channel (lanes 0-5).
  alignas(32) std::int64_t dc_current[4] = {};  ///< The currents' DC shifts, phases in lanes 0-2.
  /// Per frame of the compensation window, the Q30 taps of the phases'
  /// currents in lanes 0-2 (zero outside each phase's four).
  alignas(32) std::int64_t lagrange[kMaxLagrangeTaps][4] = {};
  int lagrange_taps = 0;   ///< Frames in the window; 0: the kernel cannot run.
  int lagrange_first = 0;  ///< First window frame relative to the sample.
};

/// Per kind, eight 64-bit lanes: the run's sums in `sum`, its last sample's
/// values in `last`.
///   x        v and i, DC-shifted (lanes 0-5, the frame's channels)
///   ic       the phase-compensated currents, DC-shifted (lanes 0-2:
///            phase p in kCurrentLane + p)
///   squares  each channel's Mul(x, x), in lane kSquareLane[channel]
///   vic      Mul(v, ic) per phase (lanes 0-2, as ic)
///   lln      Mul of va-vb, vb-vc, vc-va (lanes 0-2) and of ia+ib+ic (lane 3)
struct QuantityRunSumsQ31 {
  enum Kind : int { kX = 0, kIc, kSquares, kVIc, kLln, kKinds };
  /// Products of even and of odd channels come from two vectors.
  static constexpr int kSquareLane[6] = {0, 4, 1, 5, 2, 6};
  static constexpr int kCurrentLane = 0;  ///< Lane of phase 0's ic and vic (and of its setup taps and DC).
  alignas(32) std::int64_t sum[kKinds][8];
  alignas(32) std::int64_t last[kKinds][8];
};

/// Sums a Q31 run of `count` >= 1 samples (frames of six int32), on a CPU
/// with AVX2; the frames it reads are those of SumQuantityRunAvx2.
void SumQuantityRunQ31Avx2(const QuantityRunSetupQ31& setup, const std::int32_t* first_frame, int count,
                           QuantityRunSumsQ31& out);

}  // namespace meter::detail
