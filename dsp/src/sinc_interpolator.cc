#include "meter/dsp/sinc_interpolator.h"

#include "meter/dsp/sinc_tables.h"

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace meter::dsp {
Status SincInterpolator::Init(float cutoff_cycles_per_sample) {
  if (!(cutoff_cycles_per_sample > 0.0f) || cutoff_cycles_per_sample > 0.5f) {
    return Status::kInvalidArgument;
  }
  two_fc_ = 2.0f * cutoff_cycles_per_sample;
  const int half = static_cast<int>(std::ceil(kZeroCrossings / two_fc_));
  if (2 * half > kMaxTaps) return Status::kOutOfRange;
  half_span_ = half;
  // Init-time double arithmetic: the integer walk's constants, rounded once.
  scale_q15_ = static_cast<std::int32_t>(
      std::lround(static_cast<double>(two_fc_) * kPointsPerZero * (1 << kSincPairFractionBits)));
  two_fc_q31_ = static_cast<std::int32_t>(std::min(std::llround(std::ldexp(static_cast<double>(two_fc_), 31)),
                                                   static_cast<long long>(INT32_MAX)));
  return Status::kOk;
}

void SincInterpolator::ComputeTaps(float u, float* taps) const {
  // The same walk as InterpolateFrames.
  const float scale = two_fc_ * static_cast<float>(kPointsPerZero);
  float x = u * scale;
  for (int j = half_span_ - 1; j >= 0; --j, x += scale) taps[j] = two_fc_ * TableAt(x);
  x = (1.0f - u) * scale;
  for (int j = half_span_; j < 2 * half_span_; ++j, x += scale) taps[j] = two_fc_ * TableAt(x);
}

void SincInterpolator::ComputeCoefsQ29(float u, std::int32_t* coefs) const {
  // The same walk as InterpolateFrames' integer path.
  const std::int32_t left_start = LeftStartQ15(u);
  const std::int32_t scale = scale_q15_, two_fc = two_fc_q31_;
  const int half = half_span_;
  std::int32_t x = left_start;
  for (int j = half - 1; j >= 0; --j, x += scale) coefs[j] = CoefQ29At(x, two_fc);
  x = scale - left_start;
  for (int j = half; j < 2 * half; ++j, x += scale) coefs[j] = CoefQ29At(x, two_fc);
}

#if METER_DSP_ARM_BLOCK_LOADS
// The table walk of the float block-load loop, one tap: i = trunc(x);
// s6 = value + (x - i) step with (value, step) = pairs[i]; x += scale.
// Uses s6-s8 and the operands entry, table and scale.
#define METER_SINC_TABLE_TAP(X)                   \
  "vcvt.s32.f32 s8, %[" X "]\n\t"              \
  "vmov %[entry], s8\n\t"                      \
  "add %[entry], %[table], %[entry], lsl #3\n\t" \
  "vldmia %[entry], {s6-s7}\n\t"               \
  "vcvt.f32.s32 s8, s8\n\t"                    \
  "vsub.f32 s8, %[" X "], s8\n\t"              \
  "vfma.f32 s6, s8, s7\n\t"                    \
  "vadd.f32 %[" X "], %[" X "], %[scale]\n\t"

void SincInterpolator::InterpolateSixFloatsBlockLoads(float u, const float* centre, float* out) const {
  const float scale = two_fc_ * static_cast<float>(kPointsPerZero);
  float x_left = u * scale;
  float x_right = (1.0f - u) * scale;
  // Accumulators in s10-s15; s0-s5 take a frame, s6-s7 the table pair
  // (a, b), s8 the table index and then the fraction.
  register float acc0 asm("s10") = 0.0f;
  register float acc1 asm("s11") = 0.0f;
  register float acc2 asm("s12") = 0.0f;
  register float acc3 asm("s13") = 0.0f;
  register float acc4 asm("s14") = 0.0f;
  register float acc5 asm("s15") = 0.0f;
  const float* left = centre;   // walks down: frames k0, k0 - 1, ...
  const float* right = centre;  // walks up: frames k0 + 1, k0 + 2, ...
  int count = half_span_;
  std::uintptr_t entry = 0;
  // One tap: the table walk, then acc[ch] += tap * frame[ch]. A left and a
  // right tap per pass, in InterpolateFrames' order.
#define METER_SINC_TAP(X, FRAME_LOAD)           \
  METER_SINC_TABLE_TAP(X)                      \
  FRAME_LOAD "\n\t"                             \
  "vfma.f32 %[acc0], s6, s0\n\t"               \
  "vfma.f32 %[acc1], s6, s1\n\t"               \
  "vfma.f32 %[acc2], s6, s2\n\t"               \
  "vfma.f32 %[acc3], s6, s3\n\t"               \
  "vfma.f32 %[acc4], s6, s4\n\t"               \
  "vfma.f32 %[acc5], s6, s5\n\t"
  asm volatile(
      "1:\n\t" METER_SINC_TAP("x_left", "vldmdb %[left]!, {s0-s5}")
      METER_SINC_TAP("x_right", "vldmia %[right]!, {s0-s5}")
      "subs %[count], %[count], #1\n\t"
      "bne 1b\n\t"
      : [acc0] "+t"(acc0), [acc1] "+t"(acc1), [acc2] "+t"(acc2), [acc3] "+t"(acc3), [acc4] "+t"(acc4),
        [acc5] "+t"(acc5), [x_left] "+t"(x_left), [x_right] "+t"(x_right), [left] "+r"(left),
        [right] "+r"(right), [count] "+r"(count), [entry] "=&r"(entry)
      : [table] "r"(kSincKernelPairs.data()), [scale] "t"(scale)
      : "s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "cc", "memory");
#undef METER_SINC_TAP
#undef METER_SINC_TABLE_TAP
  out[0] = acc0 * two_fc_;
  out[1] = acc1 * two_fc_;
  out[2] = acc2 * two_fc_;
  out[3] = acc3 * two_fc_;
  out[4] = acc4 * two_fc_;
  out[5] = acc5 * two_fc_;
}
#endif

#if METER_DSP_ARM_BLOCK_LOADS
void SincInterpolator::InterpolateSixIntegersBlockLoads(float u, const std::int32_t* first, std::int64_t* acc) const {
  // The coefficients first, as ComputeCoefsQ29: CoefQ29At's SMLAWB and
  // SMMULR, nine instructions a tap (GCC matches neither in the portable
  // loop, which takes 17).
  std::int32_t coef[kMaxTaps];
  {
    const std::int32_t left_start = LeftStartQ15(u);
    std::int32_t x_left = left_start;
    std::int32_t x_right = scale_q15_ - left_start;
    std::int32_t* left = coef + half_span_;  // coefficient j multiplies frame j: the left walk fills downwards
    std::int32_t* right = coef + half_span_;
    int count = half_span_;  // a left and a right coefficient a pass
    std::uintptr_t entry = 0;
    std::int32_t value = 0, step = 0;
#define METER_SINC_COEF(X, STORE)                           \
  "lsr %[entry], %[" X "], #15\n\t"                          \
  "add %[entry], %[table], %[entry], lsl #3\n\t"             \
  "ldrd %[value], %[step], [%[entry]]\n\t"                   \
  "ubfx %[entry], %[" X "], #0, #15\n\t"                     \
  "smlawb %[value], %[step], %[entry], %[value]\n\t"         \
  "smmulr %[value], %[value], %[fc]\n\t" STORE "\n\t"       \
  "add %[" X "], %[" X "], %[scale]\n\t"
    asm volatile(
        "1:\n\t" METER_SINC_COEF("x_left", "str %[value], [%[left], #-4]!")
        METER_SINC_COEF("x_right", "str %[value], [%[right]], #4")
        "subs %[count], %[count], #1\n\t"
        "bne 1b\n\t"
        : [x_left] "+r"(x_left), [x_right] "+r"(x_right), [left] "+r"(left), [right] "+r"(right),
          [count] "+r"(count), [entry] "=&r"(entry),
          [value] "=&r"(value), [step] "=&r"(step)
        : [table] "r"(kSincKernelPairsQ30.data()), [scale] "r"(scale_q15_), [fc] "r"(two_fc_q31_)
        : "cc", "memory");
#undef METER_SINC_COEF
  }
  // Two passes of three channels: acc[ch] += coef[j] * frame(j)[ch].
  for (int pass = 0; pass < 2; ++pass) {
    std::int64_t a0 = 0, a1 = 0, a2 = 0;
    const std::int32_t* frame = first + 3 * pass;
    const std::int32_t* c = coef;
    int count = half_span_;  // two taps a pass (the run has 2 half_span_)
    std::int32_t x0, x1, x2, cj;
#define METER_SINC_THREE_CHANNELS                   \
  "ldr %[cj], [%[c]], #4\n\t"                      \
  "ldr %[x2], [%[frame], #8]\n\t"                  \
  "ldrd %[x0], %[x1], [%[frame]], #24\n\t"         \
  "smlal %Q[a0], %R[a0], %[cj], %[x0]\n\t"         \
  "smlal %Q[a1], %R[a1], %[cj], %[x1]\n\t"         \
  "smlal %Q[a2], %R[a2], %[cj], %[x2]\n\t"
    asm volatile(
        "1:\n\t" METER_SINC_THREE_CHANNELS METER_SINC_THREE_CHANNELS
        "subs %[count], %[count], #1\n\t"
        "bne 1b\n\t"
        : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [frame] "+r"(frame), [c] "+r"(c), [count] "+r"(count),
          [x0] "=&r"(x0), [x1] "=&r"(x1), [x2] "=&r"(x2), [cj] "=&r"(cj)
        :
        : "cc", "memory");
#undef METER_SINC_THREE_CHANNELS
    acc[3 * pass] = a0;
    acc[3 * pass + 1] = a1;
    acc[3 * pass + 2] = a2;
  }
}
#endif

float SincInterpolator::Response(float nu) const {
  const float r = std::fabs(nu) / two_fc_;
  const float pos = r * kResponsePoints;
  const int i = static_cast<int>(pos);
  if (i >= kResponsePoints) return kSincResponseTable[kResponsePoints];
  const float f = pos - static_cast<float>(i);
  const float a = kSincResponseTable[static_cast<std::size_t>(i)];
  const float b = kSincResponseTable[static_cast<std::size_t>(i) + 1];
  return a + f * (b - a);
}

}  // namespace meter::dsp
