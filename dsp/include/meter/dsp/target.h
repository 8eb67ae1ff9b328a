#pragma once
// Which hand-written inner loops the target can take. Every such loop has a
// portable C++ twin that computes the same values to the bit; the twin is
// what the host builds and tests run, and hand_written_forms_test (run on the
// Cortex-M4F by tests/target) checks that the two agree on the target.
//
// METER_DSP_PORTABLE_ONLY: set by the build when the CMake option
// METER_HAND_WRITTEN_KERNELS is OFF. Every switch below is then 0: only the
// portable C++ is compiled, for any Cortex-M (or any other target) an
// integrator builds for, with no assembly and no intrinsics.
#ifndef METER_DSP_PORTABLE_ONLY
#define METER_DSP_PORTABLE_ONLY 0
#endif
//
// METER_DSP_ARM_BLOCK_LOADS: ARMv7E-M with single-precision FMA (the
// Cortex-M4F). Its VLDM/VSTM and LDRD/LDM move several registers in one
// instruction, which GCC does not form from separate loads.
#if !METER_DSP_PORTABLE_ONLY && defined(__ARM_ARCH_7EM__) && defined(__ARM_FEATURE_FMA) && defined(__ARM_FP) && \
    (__ARM_FP & 4)
#define METER_DSP_ARM_BLOCK_LOADS 1
#else
#define METER_DSP_ARM_BLOCK_LOADS 0
#endif

#if METER_DSP_ARM_BLOCK_LOADS
// clang-format off
// Inline-assembly loop over %[count] (>= 1) passes that runs BODY twice an
// iteration (half the loop overhead); an odd count enters at the second
// BODY with one more iteration counted. Uses the local labels 1 and 2.
#define METER_DSP_ARM_LOOP_TWO_AT_A_TIME(BODY) \
  "lsrs %[count], %[count], #1\n\t"          \
  "bcc 1f\n\t"                               \
  "adds %[count], %[count], #1\n\t"          \
  "b 2f\n\t"                                 \
  "1:\n\t" BODY "2:\n\t" BODY               \
  "subs %[count], %[count], #1\n\t"          \
  "bne 1b\n\t"
// The same with BODY four times an iteration: COUNT % 4 picks the entry
// (from the flags of two shifts of COUNT + 3, so no scratch register), and
// (COUNT + 3) / 4 iterations follow. COUNT names the register ("r9", or
// "%[count]" in the form without _OF). Uses the local labels 3 and 5-8.
#define METER_DSP_ARM_LOOP_FOUR_AT_A_TIME_OF(COUNT, BODY) \
  "adds " COUNT ", " COUNT ", #3\n\t"                   \
  "lsrs " COUNT ", " COUNT ", #1\n\t"                   \
  "bcs 3f\n\t"                                         \
  "lsrs " COUNT ", " COUNT ", #1\n\t"                   \
  "bcs 6f\n\t"                                         \
  "b 8f\n\t"                                           \
  "3:\n\t"                                             \
  "lsrs " COUNT ", " COUNT ", #1\n\t"                   \
  "bcc 7f\n\t"                                         \
  "5:\n\t" BODY "6:\n\t" BODY "7:\n\t" BODY "8:\n\t" BODY  \
  "subs " COUNT ", " COUNT ", #1\n\t"                   \
  "bne 5b\n\t"
#define METER_DSP_ARM_LOOP_FOUR_AT_A_TIME(BODY) METER_DSP_ARM_LOOP_FOUR_AT_A_TIME_OF("%[count]", BODY)
// clang-format on
#endif

// METER_DSP_ARM_SATURATING: ARMv7E-M's DSP extension (QSUB: a saturating
// 32-bit subtract in one instruction, where the portable form is a 64-bit
// subtract and a range test).
#if !METER_DSP_PORTABLE_ONLY && defined(__ARM_ARCH_7EM__) && defined(__ARM_FEATURE_DSP)
#define METER_DSP_ARM_SATURATING 1
#else
#define METER_DSP_ARM_SATURATING 0
#endif

#include <cstdint>
#if METER_DSP_ARM_SATURATING
#include <arm_acle.h>
#endif

namespace meter::dsp::arm {
// ARMv7E-M's one-instruction forms of two Q31 operations (numeric.h takes
// them where kArmSaturating; declared everywhere so that the call compiles
// in a discarded branch, defined only where the instructions exist).
#if METER_DSP_ARM_SATURATING
/// QSUB: a - b saturated to the int32 range.
inline std::int32_t SaturatingSubtract(std::int32_t a, std::int32_t b) { return __qsub(a, b); }
/// SMMULR: (a b + 2^31) >> 32.
inline std::int32_t RoundedHighMultiply(std::int32_t a, std::int32_t b) {
  std::int32_t high;
  asm("smmulr %0, %1, %2" : "=r"(high) : "r"(a), "r"(b));
  return high;
}
#else
std::int32_t SaturatingSubtract(std::int32_t a, std::int32_t b);
std::int32_t RoundedHighMultiply(std::int32_t a, std::int32_t b);
#endif
}  // namespace meter::dsp::arm

// METER_DSP_X86_AVX2: an x86-64 host. The meter's run loops, both
// channel-major resamplers, the cycle passes, the Q31 conditioning and the
// Q31 block bound have AVX2 (+ FMA) forms, compiled for those instructions
// alone and taken only when the CPU reports both at run time, so the binary
// still runs on any x86-64. The float run loop and resampler equal the
// portable loops to float rounding (a fused multiply-add rounds once);
// every other form, and every Q31 one, to the bit; the host tests check
// each.
#if !METER_DSP_PORTABLE_ONLY && defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define METER_DSP_X86_AVX2 1
#else
#define METER_DSP_X86_AVX2 0
#endif

// METER_DSP_X86_SSE2: SSE2 (in every x86-64): the float conditioning of a
// frame as two four-lane vectors and the integrators' block add; element by
// element, so the same results as the portable loops.
#if !METER_DSP_PORTABLE_ONLY && defined(__SSE2__)
#define METER_DSP_X86_SSE2 1
#else
#define METER_DSP_X86_SSE2 0
#endif

// METER_DSP_X86_FFT_BATCH: set by the build on x86-64 (dsp/CMakeLists.txt),
// which then compiles KissFFT's four-lane SSE build too (CycleFftBatch):
// a window's float transforms four channels at a time, equal to one at a
// time through Debian's library to float rounding (host tests check it).
// SSE is in every x86-64: no run-time check.
#ifndef METER_DSP_X86_FFT_BATCH
#define METER_DSP_X86_FFT_BATCH 0
#endif

// METER_DSP_INLINE_ON_VECTOR_HOSTS: on a declaration, always inlined on x86-64
// hosts, a call elsewhere: the meter's frame body, inlined into its block
// loop on a host (17 instructions a frame fewer), a call on the Cortex-M4F,
// where inlined it spills more than the call costs (docs/PERFORMANCE.md,
// "Measured choices in the code"). (The attribute must be on the
// declaration: on the definition alone GCC kept the call.)
#if METER_DSP_X86_AVX2
#define METER_DSP_INLINE_ON_VECTOR_HOSTS [[gnu::always_inline]]
#else
#define METER_DSP_INLINE_ON_VECTOR_HOSTS
#endif

namespace meter::dsp {
// The same switches as constants, for `if constexpr` in code that is the
// same on every target (the headers): a form's call sits in a discarded
// branch where the target lacks it, so it need not be defined there.
inline constexpr bool kArmBlockLoads = METER_DSP_ARM_BLOCK_LOADS != 0;
inline constexpr bool kArmSaturating = METER_DSP_ARM_SATURATING != 0;
inline constexpr bool kX86Avx2 = METER_DSP_X86_AVX2 != 0;
inline constexpr bool kX86Sse2 = METER_DSP_X86_SSE2 != 0;
inline constexpr bool kX86FftBatch = METER_DSP_X86_FFT_BATCH != 0;

/// Whether this CPU runs the AVX2 + FMA loops (cheap: it reads what the
/// runtime found at start-up); false on every other target.
inline bool X86HasAvx2Fma() {
#if METER_DSP_X86_AVX2
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
  return false;
#endif
}
}  // namespace meter::dsp
