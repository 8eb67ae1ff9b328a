#pragma once
// What a meter is told at set-up. Everything here is validated once
// (ValidateConfig, which Meter::Init calls); processing never re-checks it.

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>
#include <utility>

#include "meter/status.h"

namespace meter {

enum class Wiring : std::uint8_t {
  k1P2W,         ///< Single phase, two wires: va, ia.
  k2P3W,         ///< Split phase: va, vb (180 degrees apart), ia, ib, neutral.
  k3P3W,         ///< Three wires, no neutral: two-wattmeter totals.
  k3P4W,         ///< Three phases and neutral.
  k3P4WHighLeg,  ///< 3P4W high-leg ("wild leg") delta: one L-N voltage is sqrt(3) times the others.
};

/// The wirings' names, as the tools and files spell them: one table.
inline constexpr std::array<std::pair<Wiring, std::string_view>, 5> kWiringNames = {{
    {Wiring::k1P2W, "1p2w"},
    {Wiring::k2P3W, "2p3w"},
    {Wiring::k3P3W, "3p3w"},
    {Wiring::k3P4W, "3p4w"},
    {Wiring::k3P4WHighLeg, "3p4w-highleg"},
}};

constexpr std::string_view WiringName(Wiring w) {
  for (const auto& [wiring, name] : kWiringNames) {
    if (wiring == w) return name;
  }
  return "?";
}

/// The wiring of a name (lower case, as in kWiringNames); none for another.
constexpr std::optional<Wiring> WiringFromName(std::string_view name) {
  for (const auto& [wiring, known] : kWiringNames) {
    if (known == name) return wiring;
  }
  return std::nullopt;
}

constexpr int PhaseCount(Wiring w) {
  switch (w) {
    case Wiring::k1P2W:
      return 1;
    case Wiring::k2P3W:
      return 2;
    default:
      return 3;
  }
}
/// Number of line-to-line voltages the wiring defines.
constexpr int LineToLineCount(Wiring w) {
  switch (w) {
    case Wiring::k1P2W:
      return 0;
    case Wiring::k2P3W:
      return 1;
    default:
      return 3;
  }
}
constexpr bool HasNeutral(Wiring w) { return w == Wiring::k2P3W || w == Wiring::k3P4W || w == Wiring::k3P4WHighLeg; }
constexpr bool HasUnbalance(Wiring w) { return PhaseCount(w) == 3; }

/// The sample rates a meter accepts, per channel: 4-32 kSPS is a meter's
/// range; recordings down to 100 samples/s replay (THD stops below their
/// Nyquist, flagged; under 2.5 samples a nominal cycle, windows run at
/// nominal length, flagged).
inline constexpr double kMinSampleRateHz = 100.0;
inline constexpr double kMaxSampleRateHz = 32000.0;

/// Per-channel calibration: x_calibrated = (x - offset) * gain, in
/// meter-input units (volts at the voltage terminals, amperes or volts at the
/// current input). The VT/CT ratio then scales to primary values.
struct ChannelCalibration {
  float gain = 1.0f;
  float offset = 0.0f;
};

struct MeterConfig {
  Wiring wiring = Wiring::k3P4W;
  /// Samples per second and channel, any finite value in 100 .. 32000
  /// (4000 .. 32000 for a meter; lower rates replay recordings), taken
  /// exactly as given: double, because the energy registers' time base is
  /// the rate itself (a float would move 5759.9 by 1.7e-8).
  double sample_rate_hz = 8000.0;
  float nominal_hz = 50.0f;          ///< 50 (10-cycle windows) or 60 (12-cycle windows).
  float nominal_voltage_v = 230.0f;  ///< Un, L-N, primary volts (the high leg of a high-leg delta is sqrt(3) Un).
  float rated_current_a = 5.0f;      ///< In, primary amperes.
  int high_leg_phase = 1;            ///< 0..2 (A..C): the high leg of a 3P4W high-leg delta.

  std::array<float, 3> vt_ratio{1.0f, 1.0f, 1.0f};  ///< Primary volts per input volt.
  std::array<float, 3> ct_ratio{1.0f, 1.0f, 1.0f};  ///< Primary amperes per input unit (A or V).
  std::array<ChannelCalibration, 3> voltage_cal{};
  std::array<ChannelCalibration, 3> current_cal{};
  /// Phase added to each current channel, degrees, within +-5: a CT whose
  /// secondary lags its primary by 0.2 degrees is compensated with +0.2.
  std::array<float, 3> phase_comp_deg{0.0f, 0.0f, 0.0f};

  /// Clipping thresholds, meter-input units, peak. A sample at or beyond
  /// full scale is flagged. Defaults: 1.15 * 277 V * sqrt(2) * 1.5 for the
  /// voltage inputs, crest factor 3 at Imax 6 A for a 5 A CT input.
  float voltage_full_scale = 676.0f;
  float current_full_scale = 18.0f;
  /// Fixed-point meter (MeterQ31) only: width of the ADC codes it is fed,
  /// 16 or 24 bits, full scale +-2^(bits-1) = the full scales above. Gains
  /// times ratio / (largest ratio of the kind) must lie in (0, 1.25].
  int adc_bits = 24;

  int max_harmonic_order = 31;  ///< Highest order in THD and the spectrum (2 .. METER_MAX_HARMONIC_ORDER).
  /// A phase voltage below this fraction of Un is flagged missing.
  float missing_voltage_fraction = 0.10f;
};

/// Full scales (peak, meter-input units) implied by the ratings when only
/// they are known, e.g. for recordings replayed through the fixed-point
/// meter: 1.5 Un (the continuous overload) for the voltage inputs, crest
/// factor 3 at Imax = 1.2 In for the current inputs.
inline float VoltageFullScaleForRating(double un_v) { return static_cast<float>(1.5 * 1.4142135623730950488 * un_v); }
inline float CurrentFullScaleForRating(double in_a) { return static_cast<float>(3.0 * 1.2 * in_a); }

/// The largest phase compensation a current channel takes, degrees.
inline constexpr int kMaxPhaseCompDeg = 5;

/// Checks what every meter needs of a configuration, before any state
/// changes: a caller (a service reading its configuration file) can ask
/// without a meter. @returns kInvalidArgument for a rate outside
/// kMinSampleRateHz..kMaxSampleRateHz, a nominal frequency other than
/// 50/60, non-positive or non-finite ratings, ratios, full scales or
/// gains, a non-finite offset, a high-leg phase outside 0..2, a harmonic
/// order outside 2..METER_MAX_HARMONIC_ORDER, a missing-voltage fraction
/// outside [0, 1) or a phase compensation beyond kMaxPhaseCompDeg; else
/// kOk. (The fixed-point meter's Init checks its ADC ranges on top.)
[[nodiscard]] Status ValidateConfig(const MeterConfig& config);

}  // namespace meter
