#include "meter/metering/energy_meter.h"

#include <cmath>

namespace meter {

EnergyMeterConfig ConfigForRatings(Wiring wiring, double sample_rate_hz, float nominal_hz, double un_v, double in_a,
                                   int max_harmonic_order) {
  EnergyMeterConfig cfg;
  cfg.meter.wiring = wiring;
  cfg.meter.sample_rate_hz = sample_rate_hz;
  cfg.meter.nominal_hz = nominal_hz;
  cfg.meter.nominal_voltage_v = static_cast<float>(un_v);
  cfg.meter.rated_current_a = static_cast<float>(in_a);
  cfg.meter.max_harmonic_order = max_harmonic_order;
  cfg.meter.voltage_full_scale = VoltageFullScaleForRating(un_v);
  cfg.meter.current_full_scale = CurrentFullScaleForRating(in_a);
  cfg.meter.adc_bits = 24;
  cfg.pulse_weight_wh = ReferencePulseWeightWh(CurrentInput::kSensor333mV, static_cast<float>(in_a));
  return cfg;
}

template <typename Numeric>
Status BasicEnergyMeter<Numeric>::Init(const EnergyMeterConfig& config, hal::PulseOutput* pulse,
                                       hal::NonVolatileStore* store, int first_sector) {
  if (Status s = meter_.Init(config.meter); s != Status::kOk) return s;
  EnergyConfig ec;
  ec.sample_rate_hz = config.meter.sample_rate_hz;
  ec.nominal_voltage_v = config.meter.nominal_voltage_v;
  ec.rated_current_a = config.meter.rated_current_a;
  ec.anti_creep_fraction = config.anti_creep_fraction;
  if (Status s = registers_.Init(ec); s != Status::kOk) return s;
  if (!(config.save_period_s >= 0.0f)) return Status::kInvalidArgument;

  partial_bits_ = 0;
  partial_bit_count_ = 0;
  restored_ = false;
  has_store_ = store != nullptr;
  if (has_store_) {
    if (Status s = store_.Init(*store, first_sector); s != Status::kOk) return s;
    EnergyState saved;
    const Status s = store_.Load(saved);
    if (s == Status::kOk) {
      registers_.Restore(saved);
      restored_ = true;
    } else if (s != Status::kDataLoss) {
      return s;
    }
  }
  pulse_out_ = pulse;
  if (Status s = pulses_.Init(config.pulse_weight_wh * 1000u, registers_.ticks_per_second(),
                              registers_.state().total.kwh_imp.milli());
      s != Status::kOk) {
    return s;
  }
  now_tick_ = 0;
  last_save_tick_ = 0;
  save_period_ticks_ = static_cast<std::uint64_t>(
      std::llround(static_cast<double>(config.save_period_s) * registers_.ticks_per_second()));
  return Status::kOk;
}

template <typename Numeric>
std::uint8_t BasicEnergyMeter<Numeric>::ProcessFrames(std::span<const Input> frames) {
  constexpr std::uint8_t kCycleEvents = kEventCycle | kEventCycleReactive;
  std::uint8_t events = 0;
  while (!frames.empty()) {
    // Up to the next frame that completes a cycle: only the last frame of a
    // stretch has cycles to take, and the registers change only there.
    const auto done = meter_.ProcessFrames(frames, kCycleEvents);
    frames = frames.subspan(done.frames);
    events = static_cast<std::uint8_t>(events | done.events);
    if (pulse_out_ == nullptr) {
      now_tick_ += done.frames * kTicksPerSample;
      if (done.events & kCycleEvents) TakeCycles();
      continue;
    }
    // The pulse output as frame by frame: Update at every frame's tick.
    // Before the stretch's last frame the register stands still, and Update
    // changes the output only at the first frame at or past NextChangeTick:
    // those frames are all it needs (the same edges at the same ticks).
    const std::uint64_t first = now_tick_ + kTicksPerSample;
    const std::uint64_t last = now_tick_ + done.frames * kTicksPerSample;
    const std::uint64_t held = registers_.state().total.kwh_imp.milli();
    for (;;) {
      const std::uint64_t due = pulses_.NextChangeTick(held);
      if (due >= last) break;
      const std::uint64_t at =
          due <= first ? first : first + (due - first + kTicksPerSample - 1) / kTicksPerSample * kTicksPerSample;
      if (at >= last) break;
      now_tick_ = at;  // the clock at that frame, as the output may read it
      pulses_.Update(held, at, *pulse_out_);
    }
    now_tick_ = last;
    if (done.events & kCycleEvents) TakeCycles();
    pulses_.Update(registers_.state().total.kwh_imp.milli(), now_tick_, *pulse_out_);
  }
  return events;
}

template <typename Numeric>
void BasicEnergyMeter<Numeric>::TakeCycles() {
  CycleEnergy cycle;
  while (meter_.PopCycle(cycle)) {
    const bool partial = registers_.IntegrateActive(cycle);
    // A FIFO of one bit per cycle, in the meter's order (at most kCycleQueue).
    partial_bits_ |= static_cast<std::uint32_t>(partial) << partial_bit_count_;
    ++partial_bit_count_;
  }
  while (meter_.PopCycleReactive(cycle)) {
    registers_.IntegrateReactive(cycle, (partial_bits_ & 1u) != 0);
    partial_bits_ >>= 1;
    --partial_bit_count_;
  }
}

template <typename Numeric>
void BasicEnergyMeter<Numeric>::FlushReactive() {
  meter_.ReleaseWaitingCycles();
  TakeCycles();
}

template <typename Numeric>
Status BasicEnergyMeter<Numeric>::Service() {
  if (!has_store_ || save_period_ticks_ == 0 || now_tick_ - last_save_tick_ < save_period_ticks_) return Status::kOk;
  last_save_tick_ = now_tick_;
  return store_.Save(registers_.state());
}

template <typename Numeric>
Status BasicEnergyMeter<Numeric>::OnPowerFail() {
  if (!has_store_) return Status::kFailedPrecondition;
  FlushReactive();
  last_save_tick_ = now_tick_;
  return store_.Save(registers_.state());
}

template class BasicEnergyMeter<dsp::FloatNumeric>;
template class BasicEnergyMeter<dsp::Q31Numeric>;

}  // namespace meter
