#include "meter/metering/energy_registers.h"

#include <cmath>

namespace meter {

std::uint64_t ToMicroWatts(float watts) {
  const float w = std::fabs(watts);
  if (!(w < 1.0e12f)) return 0;  // NaN or beyond any meter: never wraps a register
  return static_cast<std::uint64_t>(std::llround(static_cast<double>(w) * 1e6));
}

namespace {

// Quadrant index 0..3 for I..IV, from the signs of P and Q.
int Quadrant(float p, float q) {
  if (p > 0.0f) return q >= 0.0f ? 0 : 3;
  if (p < 0.0f) return q <= 0.0f ? 2 : 1;
  return q > 0.0f ? 1 : 3;  // P exactly 0: the reactive sign decides
}

void AddToSet(EnergyState::Set& set, float p, float q, float s, std::uint64_t ticks, std::uint64_t per_milli) {
  const std::uint64_t p_uw = ToMicroWatts(p), q_uw = ToMicroWatts(q), s_uw = ToMicroWatts(s);
  (p > 0.0f ? set.kwh_imp : set.kwh_exp).Add(p_uw, ticks, per_milli);
  (q > 0.0f ? set.kvarh_imp : set.kvarh_exp).Add(q_uw, ticks, per_milli);
  set.kvah.Add(s_uw, ticks, per_milli);
  const auto quadrant = static_cast<std::size_t>(Quadrant(p, q));
  set.kwh_q[quadrant].Add(p_uw, ticks, per_milli);
  set.kvarh_q[quadrant].Add(q_uw, ticks, per_milli);
  set.kvah_q[quadrant].Add(s_uw, ticks, per_milli);
}

}  // namespace

Status EnergyRegisters::Init(const EnergyConfig& config) {
  if (!(config.sample_rate_hz > 0.0f) || !(config.nominal_voltage_v > 0.0f) || !(config.rated_current_a > 0.0f) ||
      !(config.anti_creep_fraction >= 0.0f)) {
    return Status::kInvalidArgument;
  }
  const auto ticks_per_second = static_cast<std::uint64_t>(std::llround(config.sample_rate_hz * kTicksPerSample));
  if (static_cast<float>(ticks_per_second) != config.sample_rate_hz * kTicksPerSample) return Status::kInvalidArgument;
  per_milli_ = EnergyCounter::RemainderPerMilli(ticks_per_second);
  ticks_per_second_ = static_cast<double>(ticks_per_second);
  creep_va_ = config.anti_creep_fraction * config.nominal_voltage_v * config.rated_current_a;
  state_ = EnergyState{};
  return Status::kOk;
}

void EnergyRegisters::ResetPartial() {
  state_.partial = EnergyState::Set{};
  state_.partial_import_ticks = state_.partial_export_ticks = 0;
}

void EnergyRegisters::Integrate(const CycleEnergy& c) {
  const std::uint64_t ticks = c.ticks();
  state_.on_ticks += ticks;

  // Anti-creep per phase: no current, no energy.
  float p_sum = 0.0f, q_sum = 0.0f, s_sum = 0.0f;
  bool any_load = false;
  for (int p = 0; p < c.phase_count; ++p) {
    const auto up = static_cast<std::size_t>(p);
    if (!(c.s_va[up] >= creep_va_) || !std::isfinite(c.p_w[up]) || !std::isfinite(c.q_var[up])) continue;
    any_load = true;
    p_sum += c.p_w[up];
    q_sum += c.q_var[up];
    s_sum += c.s_va[up];
    EnergyState::PhaseSet& ph = state_.phases[up];
    (c.p_w[up] > 0.0f ? ph.kwh_imp : ph.kwh_exp).Add(ToMicroWatts(c.p_w[up]), ticks, per_milli_);
    (c.q_var[up] > 0.0f ? ph.kvarh_imp : ph.kvarh_exp).Add(ToMicroWatts(c.q_var[up]), ticks, per_milli_);
  }
  if (!any_load) return;
  // System totals: the meter's own (two-wattmeter in 3P3W) when every phase
  // carries load, else the sum of the phases above the threshold.
  bool all_loaded = true;
  for (int p = 0; p < c.phase_count; ++p) all_loaded &= c.s_va[static_cast<std::size_t>(p)] >= creep_va_;
  const float p_total = all_loaded && std::isfinite(c.p_total_w) ? c.p_total_w : p_sum;
  const float q_total = all_loaded && std::isfinite(c.q_total_var) ? c.q_total_var : q_sum;
  const float s_total = all_loaded && std::isfinite(c.s_total_va) ? c.s_total_va : s_sum;

  AddToSet(state_.total, p_total, q_total, s_total, ticks, per_milli_);
  if (p_total > 0.0f) {
    state_.kwh_imp_tariff[state_.tariff].Add(ToMicroWatts(p_total), ticks, per_milli_);
    state_.import_ticks += ticks;
  } else if (p_total < 0.0f) {
    state_.export_ticks += ticks;
  }
  if (state_.partial_running) {
    AddToSet(state_.partial, p_total, q_total, s_total, ticks, per_milli_);
    if (p_total > 0.0f) state_.partial_import_ticks += ticks;
    if (p_total < 0.0f) state_.partial_export_ticks += ticks;
  }
}

}  // namespace meter
