#pragma once
// The Q31 meter's per-sample quantities summed over a run of samples with no
// cycle edge, one phase at a time: the loop every target without the x86
// vector loop runs (the Cortex-M4F, armhf, x86 hosts without AVX2).
//
// Why one phase at a time: a run's 23 sums are 46 words, far more than a
// 32-bit core's registers, so a loop over samples that updates all of them
// loads and stores each sum every sample. Taking a phase's voltage, its
// current, its compensated current and then the line quantities in turn, a
// few sums at a time, keeps each loop's sums in registers; the DC-shifted
// samples go through small buffers between the loops.
//
// The same integer operations as the per-sample loop (Q31Numeric::Sub,
// Mul, the Lagrange Dot and RoundCoefDot) without their saturation, so the
// same sums to the bit (integer sums do not depend on their order). The
// meter takes it only where its sample bounds and DC shifts prove that no
// difference, sum or rounding can saturate (BasicMeter::UpdateRunSetup),
// and 3P3W (star point, two-wattmeter products) stays per sample.

#include <cstdint>

namespace meter::detail {

/// The quantities' layout, the meter's: per phase p at kPhaseStride * p the
/// voltage, the current and the compensated current (DC-shifted), then
/// their products v v, i i and v ic; the three line-to-line squares from
/// kLineToLine (ab, bc, ca; 2P3W: ab only); the neutral square.
struct PhaseRunLayout {
  static constexpr int kV = 0, kI = 1, kIc = 2, kVv = 3, kIi = 4, kVic = 5;
  static constexpr int kPhaseStride = 6;
  static constexpr int kLineToLine = 3 * kPhaseStride;
  static constexpr int kNeutral = kLineToLine + 3;
  static constexpr int kCount = kNeutral + 2;  ///< the meter's last slot (3P3W's) is never written here
};

struct PhaseRunSetupQ31 {
  static constexpr int kMaxRun = 32;  ///< the longest run (the meter's kMaxRun)
  int phases = 0;                     ///< 1 to 3
  int line_to_line = 0;               ///< 0, 1 (ab) or 3
  std::int32_t dc_v[3] = {};
  std::int32_t dc_i[3] = {};
  /// Per phase, the current's compensation: whole samples of advance and
  /// the Q30 Lagrange taps of the samples advance - 1 .. advance + 2.
  int advance[3] = {};
  std::int32_t taps[3][4] = {};
  /// The first and last frame a run's sample k reaches, relative to k
  /// (from the advances; the sample itself included).
  int reach_first = 0;
  int reach_last = 0;
};

/// Sums the quantities of `count` (1 .. kMaxRun) consecutive samples. Sample
/// k's frame is first_frame[6 k .. 6 k + 5] (va vb vc ia ib ic); the frames
/// from reach_first to count - 1 + reach_last must be readable. Adds the
/// run's sums to sums[0 .. PhaseRunLayout::kCount) and sets last[...] to its
/// last sample's values: the slots the wiring uses (the others untouched).
void SumPhaseRunQ31(const PhaseRunSetupQ31& setup, const std::int32_t* first_frame, int count, std::int64_t* sums,
                    std::int64_t* last);
/// The same in plain C++: what every target but the Cortex-M4F runs, whose
/// hand-scheduled loops (the same operations) hand_written_forms_test checks
/// against it to the bit on the target.
void SumPhaseRunQ31Portable(const PhaseRunSetupQ31& setup, const std::int32_t* first_frame, int count,
                            std::int64_t* sums, std::int64_t* last);

}  // namespace meter::detail
