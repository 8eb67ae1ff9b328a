// The Cortex-M4F form of a three-phase frame's Q31 conditioning (LDRD
// pairs, SMULL). Compiled on every target; its body only where target.h
// sets kArmBlockLoads. Its twin is InputConditioner's portable loop;
// hand_written_forms_test and input_conditioner_test compare them on
// the target.
#include "meter/metering/adc_conditioning.h"

#include "meter/dsp/target.h"

#if METER_DSP_ARM_BLOCK_LOADS

// Assembly throughout: formatted by hand.
// clang-format off
namespace meter::detail {

bool ConditionSixChannelsArm(const AdcConditioningQ31& adc, const std::int32_t* codes, std::int32_t* out) {
  // Per pair of channels: in range exactly when code + limit - 1 <= 2 limit
  // - 2 (unsigned), then ((code - offset) << shift) times the Q30 gain,
  // >> 30.
#define METER_CONDITION_PAIR(CODES, GAINS)                 \
  "ldrd %[c0], %[c1], [%[codes], #" CODES "]\n\t"         \
  "add %[low], %[c0], %[limit_less_one]\n\t"             \
  "cmp %[low], %[span]\n\t"                              \
  "bhi 1f\n\t"                                           \
  "add %[low], %[c1], %[limit_less_one]\n\t"             \
  "cmp %[low], %[span]\n\t"                              \
  "bhi 1f\n\t"                                           \
  "ldrd %[x0], %[x1], [%[adc], #" CODES "]\n\t"           \
  "sub %[c0], %[c0], %[x0]\n\t"                          \
  "sub %[c1], %[c1], %[x1]\n\t"                          \
  "lsl %[c0], %[c0], %[shift]\n\t"                       \
  "lsl %[c1], %[c1], %[shift]\n\t"                       \
  "ldrd %[x0], %[x1], [%[adc], #" GAINS "]\n\t"           \
  "smull %[low], %[high], %[c0], %[x0]\n\t"              \
  "lsr %[low], %[low], #30\n\t"                          \
  "orr %[c0], %[low], %[high], lsl #2\n\t"               \
  "smull %[low], %[high], %[c1], %[x1]\n\t"              \
  "lsr %[low], %[low], #30\n\t"                          \
  "orr %[c1], %[low], %[high], lsl #2\n\t"               \
  "strd %[c0], %[c1], [%[out], #" CODES "]\n\t"
  std::int32_t c0, c1, x0, x1, low, high, limit_less_one, span, shift, ok;
  asm volatile(
      "ldr %[shift], [%[adc], #100]\n\t"
      "ldrd %[limit_less_one], %[span], [%[adc], #104]\n\t"
      METER_CONDITION_PAIR("0", "32") METER_CONDITION_PAIR("8", "40") METER_CONDITION_PAIR("16", "48")
      "mov %[ok], #1\n\t"
      "b 2f\n\t"
      "1:\n\t"
      "mov %[ok], #0\n\t"
      "2:\n\t"
      : [c0] "=&r"(c0), [c1] "=&r"(c1), [x0] "=&r"(x0), [x1] "=&r"(x1), [low] "=&r"(low), [high] "=&r"(high),
        [limit_less_one] "=&r"(limit_less_one), [span] "=&r"(span), [shift] "=&r"(shift), [ok] "=&r"(ok)
      : [adc] "r"(&adc), [codes] "r"(codes), [out] "r"(out)
      : "cc", "memory");
#undef METER_CONDITION_PAIR
  return ok != 0;
}

}  // namespace meter::detail
// clang-format on

#endif  // METER_DSP_ARM_BLOCK_LOADS
