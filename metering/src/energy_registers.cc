#include "meter/metering/energy_registers.h"

#include <bit>
#include <cmath>

namespace meter {

std::uint64_t ToMicroWatts(float watts) {
  const float w = std::fabs(watts);
  if (!(w < 1.0e12f)) return 0;  // NaN or beyond any meter: never wraps a register
  // |w| 1e6 rounded half up, in integers: w is a 24-bit mantissa times
  // 2^exponent, and the mantissa times 1e6 (< 2^44) is exact in 64 bits, so
  // this is llround(double(w) * 1e6) to the bit without the double
  // arithmetic a Cortex-M4F emulates in software (a dozen times a cycle).
  const auto bits = std::bit_cast<std::uint32_t>(w);
  const auto biased = static_cast<int>(bits >> 23);
  std::uint64_t mantissa = bits & 0x7FFFFFu;
  int exponent = -149;  // subnormal
  if (biased != 0) {
    mantissa |= 0x800000u;
    exponent = biased - 150;
  }
  const std::uint64_t scaled = mantissa * 1000000u;
  if (exponent >= 0) return scaled << exponent;  // w < 1e12: below 2^60
  if (exponent < -44) return 0;                  // below half a micro-watt
  return (scaled + (std::uint64_t{1} << (-exponent - 1))) >> -exponent;
}

namespace {

// Quadrant index 0..3 for I..IV, from the signs of P and Q.
int Quadrant(float p, float q) {
  if (p > 0.0f) return q >= 0.0f ? 0 : 3;
  if (p < 0.0f) return q <= 0.0f ? 2 : 1;
  return q > 0.0f ? 1 : 3;  // P exactly 0: the reactive sign decides
}

// The parts of a register set that need no Q ...
void AddActiveToSet(EnergyState::Set& set, float p, float s, std::uint64_t ticks, std::uint64_t per_milli) {
  (p > 0.0f ? set.kwh_imp : set.kwh_exp).Add(ToMicroWatts(p), ticks, per_milli);
  set.kvah.Add(ToMicroWatts(s), ticks, per_milli);
}

// ... and the rest: reactive energy and the quadrant split.
void AddReactiveToSet(EnergyState::Set& set, float p, float q, float s, std::uint64_t ticks, std::uint64_t per_milli) {
  const std::uint64_t q_uw = ToMicroWatts(q);
  (q > 0.0f ? set.kvarh_imp : set.kvarh_exp).Add(q_uw, ticks, per_milli);
  const auto quadrant = static_cast<std::size_t>(Quadrant(p, q));
  set.kwh_q[quadrant].Add(ToMicroWatts(p), ticks, per_milli);
  set.kvarh_q[quadrant].Add(q_uw, ticks, per_milli);
  set.kvah_q[quadrant].Add(ToMicroWatts(s), ticks, per_milli);
}

}  // namespace

Status EnergyRegisters::Init(const EnergyConfig& config) {
  if (!(config.sample_rate_hz > 0.0 && config.sample_rate_hz <= kMaxRegisterRateHz) ||
      !(config.nominal_voltage_v > 0.0f) || !(config.rated_current_a > 0.0f) || !(config.anti_creep_fraction >= 0.0f)) {
    return Status::kInvalidArgument;
  }
  // The time axis is 1/16 sample, so one milli-unit (3.6e6 uW s) is
  // 3.6e6 * 16 * rate uW-ticks. That is a whole number for any rate given
  // with up to five decimals (57.6e6 = 2^11 3^2 5^5), so it is exact for
  // every rate a recording or a crystal states; otherwise it is rounded,
  // off by at most 0.5 in 5.76e9 (a 100 Hz rate), 1e-10 of a register.
  ticks_per_second_ = config.sample_rate_hz * kTicksPerSample;
  // At most 3.6e6 x 16 x 32000 = 1.8e12, far below 2^52, where newlib's
  // llround goes wrong (tests/metering/energy_registers_test.cc).
  per_milli_ = static_cast<std::uint64_t>(std::llround(3'600'000.0 * ticks_per_second_));
  creep_va_ = config.anti_creep_fraction * config.nominal_voltage_v * config.rated_current_a;
  state_ = EnergyState{};
  reactive_ticks_ = 0;
  return Status::kOk;
}

void EnergyRegisters::ResetPartial() {
  state_.partial = EnergyState::Set{};
  state_.partial_import_ticks = state_.partial_export_ticks = 0;
}

EnergyRegisters::SystemStep EnergyRegisters::System(const CycleEnergy& c) const {
  // Anti-creep per phase: no current, no energy. The system totals are the
  // meter's own (two-wattmeter in 3P3W) when every phase carries load, else
  // the sum of the phases above the threshold.
  SystemStep step;
  float p_sum = 0.0f, q_sum = 0.0f, s_sum = 0.0f;
  bool all_loaded = true;
  for (int p = 0; p < c.phase_count; ++p) {
    const auto up = static_cast<std::size_t>(p);
    if (!PhaseLoaded(c, p)) {
      all_loaded = false;
      continue;
    }
    step.any_load = true;
    p_sum += c.p_w[up];
    q_sum += c.q_var[up];
    s_sum += c.s_va[up];
  }
  step.p = all_loaded && std::isfinite(c.p_total_w) ? c.p_total_w : p_sum;
  step.q = all_loaded && std::isfinite(c.q_total_var) ? c.q_total_var : q_sum;
  step.s = all_loaded && std::isfinite(c.s_total_va) ? c.s_total_va : s_sum;
  return step;
}

bool EnergyRegisters::IntegrateActive(const CycleEnergy& c) {
  const std::uint64_t ticks = c.ticks();
  state_.on_ticks += ticks;
  for (int p = 0; p < c.phase_count; ++p) {
    const auto up = static_cast<std::size_t>(p);
    if (!PhaseLoaded(c, p)) continue;
    EnergyState::PhaseSet& ph = state_.phases[up];
    (c.p_w[up] > 0.0f ? ph.kwh_imp : ph.kwh_exp).Add(ToMicroWatts(c.p_w[up]), ticks, per_milli_);
  }
  const SystemStep step = System(c);
  if (!step.any_load) return false;
  AddActiveToSet(state_.total, step.p, step.s, ticks, per_milli_);
  if (step.p > 0.0f || step.p < 0.0f) {
    // One Add for either direction: each inlined Add is flash on the
    // Cortex-M4F (docs/PERFORMANCE.md, "Measured choices in the code").
    const bool importing = step.p > 0.0f;
    (importing ? state_.kwh_imp_tariff : state_.kwh_exp_tariff)[state_.tariff].Add(ToMicroWatts(step.p), ticks,
                                                                                   per_milli_);
    (importing ? state_.import_ticks : state_.export_ticks) += ticks;
  }
  if (!state_.partial_running) return false;
  AddActiveToSet(state_.partial, step.p, step.s, ticks, per_milli_);
  if (step.p > 0.0f) state_.partial_import_ticks += ticks;
  if (step.p < 0.0f) state_.partial_export_ticks += ticks;
  return true;
}

void EnergyRegisters::IntegrateReactive(const CycleEnergy& c, bool partial) {
  const std::uint64_t ticks = c.ticks();
  reactive_ticks_ += ticks;
  for (int p = 0; p < c.phase_count; ++p) {
    const auto up = static_cast<std::size_t>(p);
    if (!PhaseLoaded(c, p) || !std::isfinite(c.q_var[up])) continue;
    EnergyState::PhaseSet& ph = state_.phases[up];
    (c.q_var[up] > 0.0f ? ph.kvarh_imp : ph.kvarh_exp).Add(ToMicroWatts(c.q_var[up]), ticks, per_milli_);
  }
  const SystemStep step = System(c);
  if (!step.any_load || !std::isfinite(step.q)) return;
  AddReactiveToSet(state_.total, step.p, step.q, step.s, ticks, per_milli_);
  if (partial) AddReactiveToSet(state_.partial, step.p, step.q, step.s, ticks, per_milli_);
}

}  // namespace meter
