// The Cortex-M4F forms of the resampler: the six-channel dot products over
// a contiguous run of frames (float and Q31) and the Q31 grid loop, with
// block loads (VLDM, LDRD, LDM) and the DSP extension's SMLAWB, SMMULR and
// SMLAL, which GCC does not form from the portable loops. Compiled on every
// target; its body only where target.h sets kArmBlockLoads. Portable
// twins: InterpolateFrames, InterpolateSixFromStarts' definition and
// InterpolateSixGridPointByPoint (sinc_interpolator.h);
// hand_written_forms_test compares them bit for bit on the target.
#include "meter/dsp/sinc_interpolator.h"

#if METER_DSP_ARM_BLOCK_LOADS

#include <cstddef>
#include <cstdint>

#include "meter/dsp/sinc_tables.h"

// Assembly throughout: formatted by hand.
// clang-format off
namespace meter::dsp {

static_assert(sizeof(float) == 4 && sizeof(std::int32_t) == 4, "a six-channel frame is six words (VLDM s0-s5, LDM r0-r5)");
void SincInterpolator::InterpolateSixFloatsBlockLoads(float u, const float* centre, float* out) const {
  const TapWalk walk = StartWalk(u);
  // Accumulators in s10-s15; s0-s5 take a frame, s6-s7 the table pair
  // (value, step).
  register float acc0 asm("s10") = 0.0f;
  register float acc1 asm("s11") = 0.0f;
  register float acc2 asm("s12") = 0.0f;
  register float acc3 asm("s13") = 0.0f;
  register float acc4 asm("s14") = 0.0f;
  register float acc5 asm("s15") = 0.0f;
  const float* left = centre;   // walks down: frames k0, k0 - 1, ...
  const float* right = centre;  // walks up: frames k0 + 1, k0 + 2, ...
  const float* left_pair = &kSincKernelPairs[2 * static_cast<std::size_t>(walk.left_entry)];
  const float* right_pair = &kSincKernelPairs[2 * static_cast<std::size_t>(walk.right_entry)];
  const std::uintptr_t stride = 2 * sizeof(float) * static_cast<std::uintptr_t>(steps_per_sample_);
  int count = half_span_;
  // One tap: s6 = value + fraction step from the side's next table pair,
  // then acc[ch] += s6 * frame[ch]. A left and a right tap per pass, in
  // InterpolateFrames' order.
#define METER_SINC_TAP(PAIR, FRACTION, FRAME_LOAD) \
  "vldmia %[" PAIR "], {s6-s7}\n\t"              \
  "add %[" PAIR "], %[" PAIR "], %[stride]\n\t"   \
  "vfma.f32 s6, %[" FRACTION "], s7\n\t"          \
  FRAME_LOAD "\n\t"                               \
  "vfma.f32 %[acc0], s6, s0\n\t"                  \
  "vfma.f32 %[acc1], s6, s1\n\t"                  \
  "vfma.f32 %[acc2], s6, s2\n\t"                  \
  "vfma.f32 %[acc3], s6, s3\n\t"                  \
  "vfma.f32 %[acc4], s6, s4\n\t"                  \
  "vfma.f32 %[acc5], s6, s5\n\t"
  asm volatile(
      "1:\n\t" METER_SINC_TAP("left_pair", "left_fraction", "vldmdb %[left]!, {s0-s5}")
      METER_SINC_TAP("right_pair", "right_fraction", "vldmia %[right]!, {s0-s5}")
      "subs %[count], %[count], #1\n\t"
      "bne 1b\n\t"
      : [acc0] "+t"(acc0), [acc1] "+t"(acc1), [acc2] "+t"(acc2), [acc3] "+t"(acc3), [acc4] "+t"(acc4),
        [acc5] "+t"(acc5), [left] "+r"(left), [right] "+r"(right), [left_pair] "+r"(left_pair),
        [right_pair] "+r"(right_pair), [count] "+r"(count)
      : [stride] "r"(stride), [left_fraction] "t"(walk.left_fraction), [right_fraction] "t"(walk.right_fraction)
      : "s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7", "cc", "memory");
#undef METER_SINC_TAP
  out[0] = acc0 * two_fc_;
  out[1] = acc1 * two_fc_;
  out[2] = acc2 * two_fc_;
  out[3] = acc3 * two_fc_;
  out[4] = acc4 * two_fc_;
  out[5] = acc5 * two_fc_;
}

namespace {

// A point's Q29 coefficients, as CoefQ29: the pair's SMLAWB join with the
// side's one fraction, then SMMULR by 2 fc; five instructions a tap (GCC
// matches neither in the portable loop). Coefficient j multiplies frame j,
// so the left walk fills downwards from coef + half and the right upwards.
__attribute__((always_inline)) inline void CoefsQ29Arm(const std::int32_t* left_pair, const std::int32_t* right_pair,
                                                       std::int32_t left_fraction, std::int32_t right_fraction,
                                                       std::uintptr_t stride, std::int32_t two_fc, int half,
                                                       std::int32_t* coef) {
  std::int32_t* left = coef + half;
  std::int32_t* right = coef + half;
  int count = half;  // a left and a right coefficient a pass
  std::int32_t value = 0, step = 0;
#define METER_SINC_COEF(PAIR, FRACTION, STORE)                  \
  "ldrd %[value], %[step], [%[" PAIR "]]\n\t"                   \
  "add %[" PAIR "], %[" PAIR "], %[stride]\n\t"                 \
  "smlawb %[value], %[step], %[" FRACTION "], %[value]\n\t"     \
  "smmulr %[value], %[value], %[fc]\n\t" STORE "\n\t"
  // Two coefficients a side an iteration, as the passes below.
#define METER_SINC_COEF_PAIR                                                        \
  METER_SINC_COEF("left_pair", "left_fraction", "str %[value], [%[left], #-4]!")    \
  METER_SINC_COEF("right_pair", "right_fraction", "str %[value], [%[right]], #4")
  asm volatile(METER_DSP_ARM_LOOP_TWO_AT_A_TIME(METER_SINC_COEF_PAIR)
      : [left_pair] "+r"(left_pair), [right_pair] "+r"(right_pair), [left] "+r"(left), [right] "+r"(right),
        [count] "+r"(count), [value] "=&r"(value), [step] "=&r"(step)
      : [stride] "r"(stride), [left_fraction] "r"(left_fraction), [right_fraction] "r"(right_fraction),
        [fc] "r"(two_fc)
      : "cc", "memory");
#undef METER_SINC_COEF_PAIR
#undef METER_SINC_COEF
}

// Three channels of a run of six-channel frames (`frame` points at the
// first frame's first of the three): a[ch] += coef[j] * frame(j)[ch] over
// 2 half taps, 64-bit multiply-accumulates.
__attribute__((always_inline)) inline void ThreeChannelSumsArm(const std::int32_t* frame, const std::int32_t* coef,
                                                               int half, std::int64_t& a0, std::int64_t& a1,
                                                               std::int64_t& a2) {
  int count = half;  // tap pairs
  // A tap pair's coefficients with one LDRD; per tap channel 2 first, so
  // its register then takes channel 0's sample (two sample registers).
  std::int32_t x0, x1, c0, c1;
#define METER_SINC_THREE_CHANNELS(COEF)             \
  "ldr %[x0], [%[frame], #8]\n\t"                 \
  "smlal %Q[a2], %R[a2], %[" COEF "], %[x0]\n\t"  \
  "ldrd %[x0], %[x1], [%[frame]], #24\n\t"        \
  "smlal %Q[a0], %R[a0], %[" COEF "], %[x0]\n\t"  \
  "smlal %Q[a1], %R[a1], %[" COEF "], %[x1]\n\t"
  // Two tap pairs an iteration.
  asm volatile(METER_DSP_ARM_LOOP_TWO_AT_A_TIME(
                   "ldrd %[c0], %[c1], [%[c]], #8\n\t" METER_SINC_THREE_CHANNELS("c0") METER_SINC_THREE_CHANNELS("c1"))
      : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [frame] "+r"(frame), [c] "+r"(coef), [count] "+r"(count),
        [x0] "=&r"(x0), [x1] "=&r"(x1), [c0] "=&r"(c0), [c1] "=&r"(c1)
      :
      : "cc", "memory");
#undef METER_SINC_THREE_CHANNELS
}

// Bits 29-60 of a sum (its value >> 29 where it fits int32).
inline std::int32_t NarrowQ29(std::int64_t sum) {
  return static_cast<std::int32_t>(static_cast<std::uint64_t>(sum) >> 29);
}

}  // namespace

template <bool kNarrow>
void SincInterpolator::SixIntegerPasses(float u, const std::int32_t* first, const std::int64_t* start, void* out,
                                        std::size_t out_stride) const {
  std::int32_t coef[kMaxTaps];
  const TapWalkQ15 walk = StartWalkQ15(u);
  CoefsQ29Arm(&kSincKernelPairsQ30[2 * static_cast<std::size_t>(walk.left_entry)],
              &kSincKernelPairsQ30[2 * static_cast<std::size_t>(walk.right_entry)], walk.left_fraction,
              walk.right_fraction, 2 * sizeof(std::int32_t) * static_cast<std::uintptr_t>(steps_per_sample_),
              two_fc_q31_, half_span_, coef);
  // Two passes of three channels.
  for (int pass = 0; pass < 2; ++pass) {
    std::int64_t a0 = start[3 * pass], a1 = start[3 * pass + 1], a2 = start[3 * pass + 2];
    ThreeChannelSumsArm(first + 3 * pass, coef, half_span_, a0, a1, a2);
    if constexpr (kNarrow) {
      auto* narrow = static_cast<std::int32_t*>(out) + 3 * static_cast<std::size_t>(pass) * out_stride;
      narrow[0] = NarrowQ29(a0);
      narrow[out_stride] = NarrowQ29(a1);
      narrow[2 * out_stride] = NarrowQ29(a2);
    } else {
      auto* acc = static_cast<std::int64_t*>(out) + 3 * pass;
      acc[0] = a0;
      acc[1] = a1;
      acc[2] = a2;
    }
  }
}
template void SincInterpolator::SixIntegerPasses<false>(float, const std::int32_t*, const std::int64_t*, void*,
                                                        std::size_t) const;
template void SincInterpolator::SixIntegerPasses<true>(float, const std::int32_t*, const std::int64_t*, void*,
                                                       std::size_t) const;

int SincInterpolator::SixGridPassesArm(const std::int32_t* frames, int length, const PointGrid& grid, int first_point,
                                       const std::int64_t* start, std::int32_t* out) const {
  constexpr std::size_t kStride = kGridOutStride;
  const int half = half_span_;
  const int span = 2 * half;
  const auto origin = static_cast<int>(grid.origin);
  int j = first_point;
  if (half > 0) {
    // One assembly loop over the points: each point's position and tap
    // walk (the float operations of the portable loop, in its order), its
    // coefficients, then two passes of three channels from the starts, each
    // sum's bits 29-60 stored. The loop's state lives in `job`, so no
    // register is spilled between the parts, and each inner loop runs four
    // tap pairs an iteration.
    // The loop's state; pairs of fields one LDRD reads stay adjacent.
    struct GridJob {
      const std::int32_t* window;  // the point's first frame
      std::int32_t* out;           // channel 0 of the point
      std::uintptr_t stride;       // bytes between a side's pairs (LDRD with two_fc)
      std::int32_t two_fc;
      int half;                    // (LDRD with coef)
      std::int32_t* coef;
      const std::int64_t* start;
      int point;                   // j (LDRD with count)
      int count;
      int first_offset;            // origin - half + 1 (LDRD with last_first)
      int last_first;              // length - 2 half
      const std::int32_t* frames;
      const std::int32_t* pairs;   // (LDRD with scale_q15)
      std::int32_t scale_q15;
    };
    static_assert(sizeof(void*) == 4, "the pairs that one LDRD reads are adjacent words");
    static_assert(offsetof(GridJob, two_fc) == offsetof(GridJob, stride) + 4 &&
                      offsetof(GridJob, coef) == offsetof(GridJob, half) + 4 &&
                      offsetof(GridJob, count) == offsetof(GridJob, point) + 4 &&
                      offsetof(GridJob, last_first) == offsetof(GridJob, first_offset) + 4 &&
                      offsetof(GridJob, scale_q15) == offsetof(GridJob, pairs) + 4,
                  "each pair of fields one LDRD reads is adjacent, in this order");
    static_assert(sizeof(kSincKernelPairsQ30[0]) == 4 && kSincPairFractionBits == 15,
                  "a kernel pair is two words (lsl #3) and the walks' fractions are 15 bits (asr #15, ubfx #15)");
    static_assert(sizeof(std::int64_t) == 8, "start[] is read as word pairs at 8-byte steps");
    if (length < span) return j;  // no window fits (and last_first must not be negative)
    std::int32_t coef[kMaxTaps];
    GridJob job{nullptr,
                out + j,
                2 * sizeof(std::int32_t) * static_cast<std::uintptr_t>(steps_per_sample_),
                two_fc_q31_,
                half,
                coef,
                start,
                j,
                grid.count,
                origin - half + 1,
                length - span,
                frames,
                kSincKernelPairsQ30.data(),
                scale_q15_};
    register GridJob* job_in asm("r0") = &job;
    // N (>= 1) passes of BODY: for N <= 16, straight through the last N of
    // 16 copies (every instruction of BODY is 32-bit, so each copy has a
    // fixed size, BODY_BYTES, and the entry is label 13 less N copies, which
    // MINUS_N_BYTES subtracts from T); more take the four-a-pass loop. The
    // assembler checks the copies' size (.error otherwise), so a 16-bit
    // instruction slipped into BODY stops the build instead of entering
    // mid-instruction. Labels 3, 5-8 (the loop's) and 12-15.
#define METER_SINC_STRAIGHT_OR_LOOP(N, T, MINUS_N_BYTES, BODY_BYTES, BODY)                     \
  "cmp " N ", #16\n\t"                                                                       \
  "bhi 14f\n\t"                                                                              \
  "adr " T ", 13f\n\t" MINUS_N_BYTES "orr " T ", " T ", #1\n\t"                             \
  "bx " T "\n\t"                                                                             \
  "15:\n\t" BODY BODY BODY BODY BODY BODY BODY BODY BODY BODY BODY BODY BODY BODY BODY BODY   \
  "13:\n\t"                                                                                 \
  ".if (13b - 15b) != 16 * " BODY_BYTES "\n\t"                                               \
  ".error \"METER_SINC_STRAIGHT_OR_LOOP: a copy of BODY is not " BODY_BYTES " bytes\"\n\t"   \
  ".endif\n\t"                                                                              \
  "b 12f\n\t"                                                                               \
  "14:\n\t" METER_DSP_ARM_LOOP_FOUR_AT_A_TIME_OF(N, BODY) "12:\n\t"
    // A left and a right coefficient (CoefQ29), as CoefsQ29Arm.
#define METER_SINC_COEF_PAIR                                                                 \
  "ldrd r10, r11, [r1]\n\tadd.w r1, r1, r5\n\tsmlawb r10, r11, r3, r10\n\t"                    \
  "smmulr r10, r10, r6\n\tstr r10, [r8, #-4]!\n\t"                                           \
  "ldrd r10, r11, [r2]\n\tadd.w r2, r2, r5\n\tsmlawb r10, r11, r4, r10\n\t"                    \
  "smmulr r10, r10, r6\n\tstr r10, [r9], #4\n\t"
    // One tap of three channels (coefficient C; channel 2 first, so lr
    // then takes channel 0), as ThreeChannelSumsArm.
#define METER_SINC_TAP3(C)                                                                   \
  "ldr.w lr, [r8, #8]\n\tsmlal r6, r7, " C ", lr\n\tldrd lr, r1, [r8], #24\n\t"                \
  "smlal r2, r3, " C ", lr\n\tsmlal r4, r5, " C ", r1\n\t"
    // A pass: the sums from start[S..S+2], the channels at byte CH of
    // each frame, the bits stored at out + O0, O1, O2 bytes.
#define METER_SINC_PASS(S0, S1, S2, CH, O0, O1, O2)                                          \
  "ldr r1, [r0, %[start_at]]\n\t"                                                                    \
  "ldrd r2, r3, [r1, #" S0 "]\n\tldrd r4, r5, [r1, #" S1 "]\n\tldrd r6, r7, [r1, #" S2 "]\n\t" \
  "ldr r8, [r0, %[window_at]]\n\tadd r8, r8, #" CH "\n\tldrd r9, r10, [r0, %[half_at]]\n\t"                   \
  METER_SINC_STRAIGHT_OR_LOOP("r9", "r11",                                                     \
                              "add r12, r9, r9, lsl #1\n\tadd r12, r12, r9, lsl #3\n\tsub r11, r11, r12, lsl #2\n\t", \
                              "44", "ldrd r11, r12, [r10], #8\n\t" METER_SINC_TAP3("r11") METER_SINC_TAP3("r12")) \
  "ldr r8, [r0, %[out_at]]\n\t"                                                                    \
  "lsrs r1, r2, #29\n\torr r1, r1, r3, lsl #3\n\tstr r1, [r8, #" O0 "]\n\t"                   \
  "lsrs r1, r4, #29\n\torr r1, r1, r5, lsl #3\n\tstr r1, [r8, #" O1 "]\n\t"                   \
  "lsrs r1, r6, #29\n\torr r1, r1, r7, lsl #3\n\tstr r1, [r8, #" O2 "]\n\t"
    static_assert(kStride == 128, "the output offsets below are 512-byte channel strides");
    asm volatile(
        "10:\n\t"
        "ldrd r1, r2, [r0, %[point_at]]\n\t"  // point, count
        "cmp r1, r2\n\t"
        "bge 11f\n\t"
        // rel = start_frac + j step (fused, as GCC contracts the portable
        // loop's), whole = rel toward zero, u = rel - whole, and the
        // walk's start u S in Q15, toward zero: StartWalkQ15.
        "vmov s0, r1\n\t"
        "vcvt.f32.s32 s0, s0\n\t"
        "vmov.f32 s1, %[frac]\n\t"
        "vfma.f32 s1, s0, %[step]\n\t"
        "vcvt.s32.f32 s2, s1\n\t"
        "vmov r3, s2\n\t"
        "vcvt.f32.s32 s2, s2\n\t"
        "vsub.f32 s1, s1, s2\n\t"
        "vmul.f32 s1, s1, %[scale]\n\t"
        "vcvt.s32.f32 s1, s1\n\t"
        "vmov r4, s1\n\t"
        // The window's first frame, in the run or done (unsigned: a
        // negative first is out too).
        "ldrd r5, r6, [r0, %[first_offset_at]]\n\t"
        "add r3, r3, r5\n\t"
        "cmp r3, r6\n\t"
        "bhi 11f\n\t"
        "ldr r7, [r0, %[frames_at]]\n\t"
        "add r3, r3, r3, lsl #1\n\t"
        "add r7, r7, r3, lsl #3\n\t"
        "str r7, [r0, %[window_at]]\n\t"
        // The walks: r1, r2 the sides' first pairs, r3, r4 their fractions.
        "ldrd r6, r5, [r0, %[pairs_at]]\n\t"  // pairs, S in Q15
        "sub r5, r5, r4\n\t"
        "asr r1, r4, #15\n\t"
        "add r1, r6, r1, lsl #3\n\t"
        "asr r2, r5, #15\n\t"
        "add r2, r6, r2, lsl #3\n\t"
        "ubfx r3, r4, #0, #15\n\t"
        "ubfx r4, r5, #0, #15\n\t"
        "ldrd r5, r6, [r0, %[stride_at]]\n\t"  // stride, 2 fc
        "ldrd r7, r8, [r0, %[half_at]]\n\t"  // half, coef
        "add r8, r8, r7, lsl #2\n\t"
        "mov r9, r8\n\t"
        METER_SINC_STRAIGHT_OR_LOOP("r7", "r12", "add r10, r7, r7, lsl #2\n\tsub r12, r12, r10, lsl #3\n\t",
                                    "40", METER_SINC_COEF_PAIR)
        METER_SINC_PASS("0", "8", "16", "0", "0", "512", "1024")
        METER_SINC_PASS("24", "32", "40", "12", "1536", "2048", "2560")
        "ldr r1, [r0, %[point_at]]\n\t"
        "adds r1, r1, #1\n\t"
        "str r1, [r0, %[point_at]]\n\t"
        "ldr r1, [r0, %[out_at]]\n\t"
        "adds r1, r1, #4\n\t"
        "str r1, [r0, %[out_at]]\n\t"
        "b 10b\n\t"
        "11:\n\t"
        :
        : "r"(job_in), [frac] "t"(grid.start_frac), [step] "t"(grid.step),
          [scale] "t"(static_cast<float>(scale_q15_)), [window_at] "i"(offsetof(GridJob, window)),
          [out_at] "i"(offsetof(GridJob, out)), [stride_at] "i"(offsetof(GridJob, stride)),
          [half_at] "i"(offsetof(GridJob, half)), [start_at] "i"(offsetof(GridJob, start)),
          [point_at] "i"(offsetof(GridJob, point)), [first_offset_at] "i"(offsetof(GridJob, first_offset)),
          [frames_at] "i"(offsetof(GridJob, frames)), [pairs_at] "i"(offsetof(GridJob, pairs))
        : "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9", "r10", "r11", "r12", "lr", "s0", "s1", "s2", "cc",
          "memory");
#undef METER_SINC_PASS
#undef METER_SINC_TAP3
#undef METER_SINC_COEF_PAIR
#undef METER_SINC_STRAIGHT_OR_LOOP
    return job.point;
  }
  // No taps (an uninitialised interpolator): no point is done.
  return j;
}

}  // namespace meter::dsp
// clang-format on

#endif  // METER_DSP_ARM_BLOCK_LOADS
