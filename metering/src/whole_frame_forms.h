#pragma once
// The hand-written whole-frame forms of the input conditioning, one per
// numeric policy, chosen here from target.h's switches: the meter passes
// WholeFrameForm<Numeric> to InputConditioner::Condition. Each takes a
// frame (returns true, having written all six channels) or leaves it to the
// portable loop (returns false, having written nothing), and equals that
// loop to the bit. Where the target has no form, it takes no frame.
//
// A private header: the float form's SSE2 intrinsics are inline (SSE2 is
// in every x86-64, so there is no CPU check, and a call a sample would cost
// the host's frame body more than the form saves), and intrinsics must not
// reach the public headers.

#include <cstddef>
#include <cstdint>

#include "meter/dsp/target.h"
#include "meter/metering/frame.h"
#include "meter/metering/input_conditioner.h"

#if METER_DSP_X86_SSE2
#include <emmintrin.h>
#endif

namespace meter::detail {

template <typename Numeric>
struct WholeFrameForm;

/// x86-64: channels 0-3 and 2-5 as two SSE2 vectors (both loads stay inside
/// the frame's six floats; the overlap is computed twice, alike); any used
/// channel at or beyond full scale, or not finite, leaves the frame.
template <>
struct WholeFrameForm<dsp::FloatNumeric> {
  [[gnu::always_inline]] bool operator()(const FloatConditioning& state, const float* in, float* out) const {
#if METER_DSP_X86_SSE2
    static_assert(sizeof(SampleFrame) == 6 * sizeof(float) && offsetof(SampleFrame, i) == 3 * sizeof(float),
                  "a float frame must be six packed channels");
    const __m128 zero = _mm_setzero_ps();
    const auto lanes = [&](std::size_t first, __m128& result) {
      const __m128 gain = _mm_loadu_ps(&state.gain[first]);
      // An unused channel (zero gain) reads as zero, whatever its input.
      const __m128 x = _mm_and_ps(_mm_loadu_ps(in + first), _mm_cmpneq_ps(gain, zero));
      const __m128 magnitude = _mm_andnot_ps(_mm_set1_ps(-0.0f), x);
      result = _mm_mul_ps(_mm_sub_ps(x, _mm_loadu_ps(&state.offset[first])), gain);
      return _mm_movemask_ps(_mm_cmpnlt_ps(magnitude, _mm_loadu_ps(&state.full_scale[first])));
    };
    __m128 low, high;
    if ((lanes(0, low) | lanes(2, high)) != 0) return false;
    // Channels 0-3, then 4-5 alone: the frame's copy into the history loads
    // 16 and 8 bytes, and a load spanning two stores would wait for both to
    // reach the cache (tens of cycles) instead of being forwarded.
    _mm_storeu_ps(out, low);
    _mm_storeh_pi(reinterpret_cast<__m64*>(out + 4), high);
    return true;
#else
    (void)state;
    (void)in;
    (void)out;
    return false;
#endif
  }
};

/// The Cortex-M4F's LDRD/SMULL form (three-phase wirings) or the x86 host's
/// AVX2 form (InputConditioner asks whether the CPU has it); both out of
/// line (adc_conditioning.h).
template <>
struct WholeFrameForm<dsp::Q31Numeric> {
  [[gnu::always_inline]] bool operator()(const AdcConditioningQ31& state, const std::int32_t* codes,
                                         std::int32_t* out) const {
    static_assert(sizeof(AdcFrame) == 6 * sizeof(std::int32_t) && offsetof(AdcFrame, i) == 3 * sizeof(std::int32_t),
                  "an ADC frame must be six packed channels");
    if constexpr (dsp::kArmBlockLoads) return ConditionSixChannelsArm(state, codes, out);
    if constexpr (dsp::kX86Avx2) return ConditionFrameQ31Avx2(state, codes, out);
    return false;
  }
};

}  // namespace meter::detail
