#pragma once
// The Q31 meter's input conditioning state: ADC codes to Q29 samples. One
// state, read by InputConditioner's portable loop on every target and by
// the hand-written whole-frame forms declared below (each defined only where
// target.h enables it, and called only there).

#include <cstddef>
#include <cstdint>

namespace meter::detail {

/// Per channel (0-2 voltages, 3-5 currents), sample = ((code - offset_code)
/// 2^code_shift times gain_q) >> 30, codes at or beyond +-code_limit
/// clipped. Eight lanes so that the vector form reads whole vectors (lanes
/// 6-7 and unused channels zero); not 32-byte aligned, which would pad the
/// firmware's meter for nothing.
struct AdcConditioningQ31 {
  std::int32_t offset_code[8] = {};
  std::int32_t gain_q[8] = {};  ///< Q30
  std::int32_t used[8] = {};    ///< -1 for a channel the wiring uses
  std::int32_t code_limit = 0;
  int code_shift = 0;
  // In range exactly when code + clip_bias <= clip_span, unsigned
  // (-limit < code < limit): set once at Init, not per frame.
  std::uint32_t clip_bias = 0;  ///< code_limit - 1
  std::uint32_t clip_span = 0;  ///< 2 code_limit - 2

  /// The limits of `bits`-bit codes: +-(2^(bits-1) - 1) and beyond clip.
  void SetCodeBits(int bits) {
    code_limit = (std::int32_t{1} << (bits - 1)) - 1;
    clip_bias = static_cast<std::uint32_t>(code_limit - 1);
    clip_span = static_cast<std::uint32_t>(2 * code_limit - 2);
  }
};

static_assert(offsetof(AdcConditioningQ31, gain_q) == 32 && offsetof(AdcConditioningQ31, code_limit) == 96 &&
                  offsetof(AdcConditioningQ31, code_shift) == 100 && offsetof(AdcConditioningQ31, clip_bias) == 104 &&
                  offsetof(AdcConditioningQ31, clip_span) == 108,
              "the Cortex-M4F conditioning reads the state at these offsets");

/// The scalar conditioning of a frame's six channels (va vb vc ia ib ic) on
/// the Cortex-M4F, InputConditioner's formula with pairs of codes, offsets and gains
/// moved by LDRD/STRD: writes out[0..5] and returns true, or returns false
/// as soon as a code needs clipping (the scalar loop then clips, flags and
/// writes every channel). For the three-phase wirings (every channel used).
/// Defined where dsp::kArmBlockLoads (adc_conditioning_arm.cc).
bool ConditionSixChannelsArm(const AdcConditioningQ31& adc, const std::int32_t* codes, std::int32_t* out);

/// The same on an x86-64 host whose CPU has AVX2, for any wiring: writes
/// out[0..5] (zero for unused channels) and returns true, or returns false,
/// writing nothing, when a used channel's code needs clipping. Defined where
/// dsp::kX86Avx2 (quantity_run_x86.cc).
bool ConditionFrameQ31Avx2(const AdcConditioningQ31& adc, const std::int32_t* codes, std::int32_t* out);

}  // namespace meter::detail
