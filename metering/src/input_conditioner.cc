#include "meter/metering/input_conditioner.h"

#include <cmath>
#include <cstdlib>
#include <limits>

#include "meter/dsp/target.h"

namespace meter {

Status InputConditioner<dsp::FloatNumeric>::Init(const MeterConfig& config) {
  *this = InputConditioner{};
  phases_ = PhaseCount(config.wiring);
  // Unused channels keep a zero gain (the whole-frame form writes zeros
  // there) and an infinite full scale (no lane of theirs leaves it).
  state_.full_scale.fill(std::numeric_limits<float>::infinity());
  for (std::size_t p = 0; p < static_cast<std::size_t>(phases_); ++p) {
    state_.offset[p] = config.voltage_cal[p].offset;
    state_.offset[3 + p] = config.current_cal[p].offset;
    state_.gain[p] = config.voltage_cal[p].gain * config.vt_ratio[p];
    state_.gain[3 + p] = config.current_cal[p].gain * config.ct_ratio[p];
    state_.full_scale[p] = config.voltage_full_scale;
    state_.full_scale[3 + p] = config.current_full_scale;
  }
  return Status::kOk;
}

Status InputConditioner<dsp::Q31Numeric>::Init(const MeterConfig& config) {
  *this = InputConditioner{};
  if (config.adc_bits != 16 && config.adc_bits != 24) return Status::kInvalidArgument;
  phases_ = PhaseCount(config.wiring);
  // Shift the code to Q29 exactly, then one Q30 gain folds calibration and
  // the phase's ratio relative to the largest ratio of its kind.
  adc_.code_shift = dsp::Q31Numeric::kSampleBits - (config.adc_bits - 1);
  adc_.SetCodeBits(config.adc_bits);
  float v_ratio_max = 0.0f, i_ratio_max = 0.0f;
  for (std::size_t p = 0; p < 3; ++p) {
    v_ratio_max = std::fmax(v_ratio_max, config.vt_ratio[p]);
    i_ratio_max = std::fmax(i_ratio_max, config.ct_ratio[p]);
  }
  const float code_per_v = static_cast<float>(1 << (config.adc_bits - 1)) / config.voltage_full_scale;
  const float code_per_i = static_cast<float>(1 << (config.adc_bits - 1)) / config.current_full_scale;
  for (std::size_t p = 0; p < 3; ++p) {
    const float gv = config.voltage_cal[p].gain * config.vt_ratio[p] / v_ratio_max;
    const float gi = config.current_cal[p].gain * config.ct_ratio[p] / i_ratio_max;
    if (!(gv > 0.0f && gv <= 1.25f && gi > 0.0f && gi <= 1.25f)) return Status::kInvalidArgument;
    adc_.gain_q[p] = dsp::Q31Numeric::CoefFromFloat(gv);
    adc_.gain_q[3 + p] = dsp::Q31Numeric::CoefFromFloat(gi);
    // An offset is a fraction of the ADC's range; one beyond it is a bad
    // calibration (and would break SampleBound).
    const float v_offset_code = config.voltage_cal[p].offset * code_per_v;
    const float i_offset_code = config.current_cal[p].offset * code_per_i;
    const auto limit = static_cast<float>(adc_.code_limit);
    if (!(std::fabs(v_offset_code) <= limit && std::fabs(i_offset_code) <= limit)) return Status::kInvalidArgument;
    adc_.offset_code[p] = static_cast<std::int32_t>(std::lround(v_offset_code));
    adc_.offset_code[3 + p] = static_cast<std::int32_t>(std::lround(i_offset_code));
  }
  for (std::size_t p = 0; p < static_cast<std::size_t>(phases_); ++p) adc_.used[p] = adc_.used[3 + p] = -1;
  v_unit_ = config.voltage_full_scale * v_ratio_max;
  i_unit_ = config.current_full_scale * i_ratio_max;
  UseWholeFrameForm(true);
  return Status::kOk;
}

bool InputConditioner<dsp::Q31Numeric>::TargetFormRuns() const {
  if constexpr (dsp::kArmBlockLoads) return phases_ == 3;
  return dsp::X86HasAvx2Fma();  // false on every target without the form
}

std::int64_t InputConditioner<dsp::Q31Numeric>::SampleBound(std::size_t channel) const {
  // Codes are clipped at code_limit; the offset and gain Init allows.
  const std::int64_t code = (std::int64_t{adc_.code_limit} + std::abs(std::int64_t{adc_.offset_code[channel]}))
                            << adc_.code_shift;
  return ((code * adc_.gain_q[channel]) >> dsp::Q31Numeric::kCoefBits) + 1;
}

}  // namespace meter
