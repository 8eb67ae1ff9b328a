#include "meter/metering/pulse_generator.h"

#include <cmath>

namespace meter {

std::uint64_t ReferencePulseWeightWh(CurrentInput input, float x) {
  const float steps[3] = {7.0f, 70.0f, 700.0f};  // CT ratio; x5 gives amperes for the 333 mV input
  const float scale = input == CurrentInput::kCt5A ? 1.0f : 5.0f;
  if (x <= steps[0] * scale) return 1;
  if (x <= steps[1] * scale) return 10;
  if (x <= steps[2] * scale) return 100;
  return 1000;
}

Status PulseGenerator::Init(std::uint64_t weight_milli, double ticks_per_second, std::uint64_t register_milli) {
  if (weight_milli == 0 || !(ticks_per_second > 0.0)) return Status::kInvalidArgument;
  weight_ = weight_milli;
  base_ = register_milli / weight_milli;
  emitted_ = 0;
  next_due_milli_ = (base_ + 1) * weight_milli;
  period_ticks_ = static_cast<std::uint64_t>(std::ceil(ticks_per_second / static_cast<double>(kMaxRateHz)));
  width_ticks_ = static_cast<std::uint64_t>(std::ceil(ticks_per_second * static_cast<double>(kWidthS)));
  active_ = false;
  started_ = false;
  return Status::kOk;
}

void PulseGenerator::Update(std::uint64_t register_milli, std::uint64_t now_tick, hal::PulseOutput& out) {
  if (active_ && now_tick - last_start_ >= width_ticks_) {
    out.Set(false);
    active_ = false;
  }
  // queued() > 0 without its 64-bit division (run every frame).
  if (!active_ && register_milli >= next_due_milli_ && (!started_ || now_tick - last_start_ >= period_ticks_)) {
    out.Set(true);
    active_ = true;
    started_ = true;
    last_start_ = now_tick;
    ++emitted_;
    next_due_milli_ += weight_;
  }
}

}  // namespace meter
