#pragma once
// Input conditioning, the meter's first stage: one frame of raw samples
// (va vb vc ia ib ic) to one frame of conditioned samples, with a flag for
// each channel that was not finite (held) or beyond full scale (clipped).
//
//   float: x = (input - offset) * gain * ratio, in primary volts and amperes;
//   Q31:   x = ((code - offset) << shift) * gain >> 30, codes to Q29 of
//          full scale, every channel of a kind on one scale (the phase's
//          ratio relative to the kind's largest), so that line-to-line
//          differences and the neutral sum stay meaningful.
//
// One specialisation per numeric policy: the two differ in state, not only
// in arithmetic. Condition runs once per sample inside the meter's frame
// body, so it is defined here, inline. The caller may pass a hand-written
// whole-frame form (the meter passes its target's, from the private
// metering/src/whole_frame_forms.h); it is tried first, returns false (and
// writes nothing) for a frame it leaves to the portable loop, and equals
// that loop to the bit (input_conditioner_test, hand_written_forms_test).
// This header is the same on every target.

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>

#include "meter/dsp/numeric.h"
#include "meter/metering/adc_conditioning.h"
#include "meter/metering/config.h"
#include "meter/metering/frame.h"
#include "meter/status.h"

namespace meter {

/// Conditioning's bits in a sample's flags (the meter adds its own above).
inline constexpr std::uint16_t kSampleNonFiniteMask = 0x003F;  ///< channels 0..5: input not finite, value held
inline constexpr int kSampleClippedShift = 6;                  ///< channels 0..5 at bits 6..11: clipped

template <typename Numeric>
class InputConditioner;

namespace detail {
/// body(0), body(1), ... for the wiring's 1..3 phases, unrolled by hand:
/// the float conditioner's loop stayed rolled under `#pragma GCC unroll 3`
/// (+9 instructions a sample set on the Cortex-M4F).
template <typename Body>
[[gnu::always_inline]] inline void ForEachPhase(int phases, Body body) {
  body(std::size_t{0});
  if (phases > 1) {
    body(std::size_t{1});
    if (phases > 2) body(std::size_t{2});
  }
}
}  // namespace detail

/// The form Condition takes when given none: it takes no frame.
struct NoWholeFrameForm {
  template <typename State, typename Sample>
  bool operator()(const State&, const Sample*, Sample*) const {
    return false;
  }
};

/// The float meter's conditioning: input units (volts at the terminals,
/// amperes or sensor volts) to primary units, per channel.
struct FloatConditioning {
  std::array<float, 6> offset{};
  std::array<float, 6> gain{};        ///< calibration gain times the channel's ratio; zero where unused
  std::array<float, 6> full_scale{};  ///< beyond it a sample clips; infinite where unused
};

template <>
class InputConditioner<dsp::FloatNumeric> {
 public:
  using Input = SampleFrame;
  using Frame = std::array<float, 6>;

  /// Takes the wiring's channels, gains, ratios and full scales; the
  /// configuration is validated by the caller (ValidateConfig).
  Status Init(const MeterConfig& config);

  /// Conditions `in` into frame(): a non-finite channel keeps its previous
  /// value, one at or beyond full scale is clipped to it; channels the
  /// wiring does not use stay zero. @returns the frame's conditioning flags.
  /// `whole_frame(state, in, out)` may condition all six channels at once
  /// and return true; returning false leaves the frame to the portable loop.
  /// (Whoever wants the portable loop alone passes no form: the float form
  /// has no switch, because a test of one would cost the x86 host's frame
  /// body 3 instructions a sample set, docs/PERFORMANCE.md.)
  template <typename WholeFrameForm = NoWholeFrameForm>
  [[gnu::always_inline]] std::uint16_t Condition(const Input& in, WholeFrameForm whole_frame = {}) {
    if (whole_frame(state_, in.v.data(), last_.data())) [[likely]]
      return 0;
    std::uint16_t flags = 0;
    // One compare in the usual case: |x| < full scale is false for NaN and
    // infinities too, which then are told apart from clipping.
    // Every used channel of a kind has one full scale, and phase A is
    // always used: two loads a frame, not six.
    const float voltage_full_scale = state_.full_scale[0], current_full_scale = state_.full_scale[3];
    const auto condition = [&](float x, float full_scale, std::size_t channel) {
      if (!(std::fabs(x) < full_scale)) {
        if (!std::isfinite(x)) {
          flags = static_cast<std::uint16_t>(flags | (1u << channel));  // held: the previous sample stays
          return;
        }
        // Clipped as an ADC clips (the Q31 meter clips its codes alike), so
        // that a sample far beyond any signal (1e20 V in a file) is flagged
        // and bounded, never an overflow that empties the window.
        flags = static_cast<std::uint16_t>(flags | (1u << (kSampleClippedShift + channel)));
        x = std::copysign(full_scale, x);
      }
      last_[channel] = (x - state_.offset[channel]) * state_.gain[channel];
    };
    detail::ForEachPhase(phases_, [&](std::size_t p) {
      condition(in.v[p], voltage_full_scale, p);
      condition(in.i[p], current_full_scale, 3 + p);
    });
    return flags;
  }

  /// The last conditioned frame.
  const Frame& frame() const { return last_; }
  /// The primary value of one sample unit, voltage and current.
  float v_unit() const { return 1.0f; }
  float i_unit() const { return 1.0f; }

 private:
  FloatConditioning state_{};
  Frame last_{};
  int phases_ = 0;
};

template <>
class InputConditioner<dsp::Q31Numeric> {
 public:
  using Input = AdcFrame;
  using Frame = std::array<std::int32_t, 6>;

  /// Takes the wiring's channels and the ADC's code width, offsets, gains
  /// and ratios. @returns kInvalidArgument for ADC bits other than 16 or 24,
  /// a gain beyond 1.25 relative to the kind's largest ratio, or an offset
  /// beyond the ADC's range (the limits that keep every step below from
  /// overflowing).
  Status Init(const MeterConfig& config);

  /// Whether Condition may take the whole-frame form it is given (on by
  /// default where the target's form can take this configuration: the
  /// Cortex-M4F's needs every channel used, the x86 host's a CPU with
  /// AVX2): the meter's portable path turns it off, so that the tests
  /// compare the two.
  void UseWholeFrameForm(bool allowed) { whole_frame_ready_ = allowed && TargetFormRuns(); }

  /// Conditions `in` into frame(): codes beyond the ADC's range are
  /// clipped; channels the wiring does not use stay zero. @returns the
  /// frame's conditioning flags (clipping only: codes are always finite).
  /// `whole_frame(state, codes, out)` as for the float conditioner.
  template <typename WholeFrameForm = NoWholeFrameForm>
  [[gnu::always_inline]] std::uint16_t Condition(const Input& in, WholeFrameForm whole_frame = {}) {
    if (whole_frame_ready_ && whole_frame(adc_, in.v.data(), last_.data())) return 0;
    // A 24-bit code in an int32 cannot be trusted past +-2^23. Within the
    // ranges Init validates (|code|, |offset| <= code_limit, gain <= 1.25 in
    // Q30) nothing can overflow: |code - offset| shifted to Q29 is below
    // 2^30, and times the gain, shifted back, below 1.25 * 2^30. So one
    // 32 x 32 -> 64-bit multiply and no saturation (a 64-bit product and a
    // saturation cost the Cortex-M4F twice the instructions). In range is
    // -limit < code < limit: one unsigned compare of code + limit - 1
    // against 2 limit - 2 (no wrap: limit <= 2^23).
    std::uint16_t flags = 0;
    const auto in_range_span = adc_.clip_span;
    const auto condition = [&](std::int32_t code, std::size_t channel) {
      if (static_cast<std::uint32_t>(code) + adc_.clip_bias > in_range_span) [[unlikely]] {
        flags = static_cast<std::uint16_t>(flags | (1u << (kSampleClippedShift + channel)));
        code = code >= adc_.code_limit ? adc_.code_limit : -adc_.code_limit;
      }
      const std::int32_t x = (code - adc_.offset_code[channel]) * (std::int32_t{1} << adc_.code_shift);
      last_[channel] = static_cast<std::int32_t>((static_cast<std::int64_t>(x) * adc_.gain_q[channel]) >>
                                                 dsp::Q31Numeric::kCoefBits);
    };
    detail::ForEachPhase(phases_, [&](std::size_t p) {
      condition(in.v[p], p);
      condition(in.i[p], 3 + p);
    });
    return flags;
  }

  /// A bound no |conditioned sample| of the channel exceeds (from its ADC
  /// range, offset and gain): what the saturation checks downstream start
  /// from.
  std::int64_t SampleBound(std::size_t channel) const;

  const Frame& frame() const { return last_; }
  /// The primary value of one sample unit (1.0 / 2^29 of it is one LSB).
  float v_unit() const { return v_unit_; }
  float i_unit() const { return i_unit_; }

 private:
  bool TargetFormRuns() const;

  detail::AdcConditioningQ31 adc_{};
  Frame last_{};
  int phases_ = 0;
  bool whole_frame_ready_ = false;
  float v_unit_ = 1.0f, i_unit_ = 1.0f;
};

}  // namespace meter
