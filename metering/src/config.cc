#include "meter/metering/config.h"

#include <cmath>
#include <cstddef>

#include "meter/dsp/cycle_spectrum.h"

namespace meter {

Status ValidateConfig(const MeterConfig& config) {
  const auto finite_positive = [](float x) { return std::isfinite(x) && x > 0.0f; };
  // Any rate in range (see kMinSampleRateHz), not only whole numbers.
  if (!(config.sample_rate_hz >= kMinSampleRateHz && config.sample_rate_hz <= kMaxSampleRateHz))
    return Status::kInvalidArgument;
  if (config.nominal_hz != 50.0f && config.nominal_hz != 60.0f) return Status::kInvalidArgument;
  if (!finite_positive(config.nominal_voltage_v) || !finite_positive(config.rated_current_a)) {
    return Status::kInvalidArgument;
  }
  if (config.high_leg_phase < 0 || config.high_leg_phase > 2) return Status::kInvalidArgument;
  if (config.max_harmonic_order < 2 || config.max_harmonic_order > dsp::kMaxHarmonicOrder) {
    return Status::kInvalidArgument;
  }
  if (!finite_positive(config.voltage_full_scale) || !finite_positive(config.current_full_scale)) {
    return Status::kInvalidArgument;
  }
  if (!(config.missing_voltage_fraction >= 0.0f && config.missing_voltage_fraction < 1.0f)) {
    return Status::kInvalidArgument;
  }
  for (int p = 0; p < 3; ++p) {
    const auto up = static_cast<std::size_t>(p);
    if (!finite_positive(config.vt_ratio[up]) || !finite_positive(config.ct_ratio[up])) return Status::kInvalidArgument;
    if (!std::isfinite(config.voltage_cal[up].gain) || config.voltage_cal[up].gain == 0.0f ||
        !std::isfinite(config.current_cal[up].gain) || config.current_cal[up].gain == 0.0f ||
        !std::isfinite(config.voltage_cal[up].offset) || !std::isfinite(config.current_cal[up].offset)) {
      return Status::kInvalidArgument;
    }
    if (!(std::fabs(config.phase_comp_deg[up]) <= static_cast<float>(kMaxPhaseCompDeg))) {
      return Status::kInvalidArgument;
    }
  }

  return Status::kOk;
}

}  // namespace meter
