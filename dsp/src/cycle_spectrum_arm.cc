// The Cortex-M4F form of CycleTransform's Q31 cycle pass (two points a
// pass, SMMLAR, LDRD/STRD). Compiled on every target; its body only where
// target.h sets kArmBlockLoads. Its twin is detail::AccumulateScaledCycleQ31
// (cycle_spectrum.cc); hand_written_forms_test compares them bit for bit on
// the target.
#include "meter/dsp/cycle_spectrum.h"

#if METER_DSP_ARM_BLOCK_LOADS

#include <cstdint>

// Assembly throughout: formatted by hand.
// clang-format off
namespace meter::dsp::detail {

static_assert(kPointsPerCycle % 2 == 0 && kPointsPerCycle >= 2, "two points a pass, at least one pass");
static_assert(sizeof(std::int32_t) == 4, "a point's fold pair is 8 bytes and a pass 16 (LDRD/STRD offsets)");

// The Q31 pass on the Cortex-M4F, two points a pass: each fold term is one
// SMMLAR (fold + the rounded high word of xs tw: MulHighRounded added), the
// pairs move with LDRD/STRD, and xs for pre < 0 is (x >> (r - 1) + 1) >> 1
// with r = -pre, which equals ShiftRounded's (x >> r) + bit r - 1 of x and
// cannot overflow (|x >> (r - 1)| <= 2^30 for r >= 2; r = 1 adds 1 to x
// itself, which only INT32_MAX could overflow: the caller takes the
// portable loop then). The same operations, so the same bits; the firmware
// target test (hand_written_forms_test) checks it against the portable loop.
void AccumulateScaledCycleQ31Arm(const std::int32_t* x, int pre, std::int32_t tw_re, std::int32_t tw_im,
                                 std::int32_t* fold, std::int32_t* sum) {
  int count = kPointsPerCycle / 2;
  std::int32_t x0, x1, re0, im0, re1, im1;
#define METER_FOLD_AND_SUM_TWO_POINTS                                   \
  "ldrd %[re0], %[im0], [%[fold]]\n\t"                               \
  "ldrd %[re1], %[im1], [%[fold], #8]\n\t"                           \
  "smmlar %[re0], %[x0], %[tw_re], %[re0]\n\t"                       \
  "smmlar %[im0], %[x0], %[tw_im], %[im0]\n\t"                       \
  "smmlar %[re1], %[x1], %[tw_re], %[re1]\n\t"                       \
  "smmlar %[im1], %[x1], %[tw_im], %[im1]\n\t"                       \
  "strd %[re1], %[im1], [%[fold], #8]\n\t"                           \
  "strd %[re0], %[im0], [%[fold]], #16\n\t"                          \
  "ldrd %[re0], %[im0], [%[sum]]\n\t" /* the sum pair */             \
  "add %[x0], %[x0], #2\n\t"                                         \
  "add %[re0], %[re0], %[x0], asr #2\n\t"                            \
  "add %[x1], %[x1], #2\n\t"                                         \
  "add %[im0], %[im0], %[x1], asr #2\n\t"                            \
  "strd %[re0], %[im0], [%[sum]], #8\n\t"                            \
  "subs %[count], %[count], #1\n\t"                                  \
  "bne 1b\n\t"
#define METER_FOLD_OUTPUTS                                                                                    \
  : [x] "+r"(x), [fold] "+r"(fold), [sum] "+r"(sum), [count] "+r"(count), [x0] "=&r"(x0), [x1] "=&r"(x1), \
    [re0] "=&r"(re0), [im0] "=&r"(im0), [re1] "=&r"(re1), [im1] "=&r"(im1)
  if (pre >= 0) {
    asm volatile(
        "1:\n\t"
        "ldrd %[x0], %[x1], [%[x]], #8\n\t"
        "lsl %[x0], %[x0], %[shift]\n\t"
        "lsl %[x1], %[x1], %[shift]\n\t" METER_FOLD_AND_SUM_TWO_POINTS
        METER_FOLD_OUTPUTS
        : [shift] "r"(pre), [tw_re] "r"(tw_re), [tw_im] "r"(tw_im)
        : "cc", "memory");
  } else {
    asm volatile(
        "1:\n\t"
        "ldrd %[x0], %[x1], [%[x]], #8\n\t"
        "asr %[x0], %[x0], %[shift]\n\t"
        "add %[x0], %[x0], #1\n\t"
        "asr %[x0], %[x0], #1\n\t"
        "asr %[x1], %[x1], %[shift]\n\t"
        "add %[x1], %[x1], #1\n\t"
        "asr %[x1], %[x1], #1\n\t" METER_FOLD_AND_SUM_TWO_POINTS
        METER_FOLD_OUTPUTS
        : [shift] "r"(-pre - 1), [tw_re] "r"(tw_re), [tw_im] "r"(tw_im)
        : "cc", "memory");
  }
#undef METER_FOLD_AND_SUM_TWO_POINTS
#undef METER_FOLD_OUTPUTS
}

}  // namespace meter::dsp::detail
// clang-format on

#endif  // METER_DSP_ARM_BLOCK_LOADS
