#pragma once
// The reference meter's register set, integrated cycle by cycle:
//   system: kWh import/export, kvarh import/export, kVAh; per quadrant
//   I-IV kWh, kvarh, kVAh; kWh import and export per tariff t1/t2;
//   partial: the same system set, with start, stop and reset;
//   per phase: kWh import/export, kvarh import/export;
//   hour meters: running while importing / exporting (total and partial),
//   powered time.
// OBIS: A+ 1.8.0 = kwh_imp, A- 2.8.0 = kwh_exp, R+ 3.8.0 = kvarh_imp,
// R- 4.8.0 = kvarh_exp, R1..R4 5.8.0..8.8.0 = kvarh_q[0..3].
// Quadrant I: P > 0, Q >= 0 (import, inductive); II: P <= 0, Q > 0;
// III: P < 0, Q <= 0; IV: P >= 0, Q < 0. Import/export of a step follows the
// sign of the system total of that step; per-phase registers follow each
// phase's own sign, so a phase can export while the system imports.

#include <array>
#include <cmath>
#include <cstdint>

#include "meter/metering/cycle_energy.h"
#include "meter/metering/energy_counter.h"
#include "meter/status.h"

namespace meter {

struct EnergyConfig {
  double sample_rate_hz = 8000.0;    ///< Any positive rate, exactly as given.
  float nominal_voltage_v = 230.0f;  ///< Un, primary.
  float rated_current_a = 5.0f;      ///< In, primary.
  /// Anti-creep: a phase whose apparent power is below this fraction of
  /// Un * In registers nothing in that cycle. The starting current is
  /// 0.001 In, so the default 0.0004 starts at 0.8 Un with margin and
  /// blocks noise of up to 0.04 % of In at 115 % Un.
  float anti_creep_fraction = 0.0004f;
};

/// Snapshot of every register: what persistence saves and restores.
struct EnergyState {
  struct Set {
    EnergyCounter kwh_imp, kwh_exp, kvarh_imp, kvarh_exp, kvah;
    std::array<EnergyCounter, 4> kwh_q, kvarh_q, kvah_q;
  };
  struct PhaseSet {
    EnergyCounter kwh_imp, kwh_exp, kvarh_imp, kvarh_exp;
  };
  Set total;
  Set partial;
  std::array<EnergyCounter, 2> kwh_imp_tariff;
  std::array<EnergyCounter, 2> kwh_exp_tariff;  ///< DSMR's 2.8.1 / 2.8.2.
  std::array<PhaseSet, 3> phases;
  std::uint64_t import_ticks = 0, export_ticks = 0, on_ticks = 0;
  std::uint64_t partial_import_ticks = 0, partial_export_ticks = 0;
  std::uint8_t partial_running = 0;
  std::uint8_t tariff = 0;
};

class EnergyRegisters {
 public:
  /// Highest rate the registers' integer arithmetic is proven for (the
  /// milli-unit quantum stays below 2^41: see EnergyCounter).
  static constexpr double kMaxRegisterRateHz = 32000.0;
  /// @returns kInvalidArgument for a non-positive or too high rate, a
  /// non-positive rating or a negative threshold.
  Status Init(const EnergyConfig& config);

  /// Integrates one cycle in two steps, because its Q is known only when its
  /// window's spectrum closes, up to a window after its P and S:
  /// IntegrateActive takes everything that needs no Q (kWh import/export
  /// per phase, system and tariff, kVAh, hour meters) as soon as the cycle
  /// is measured, and @returns whether the partial counters ran for it;
  /// IntegrateReactive later takes the rest (kvarh, the quadrant split),
  /// with that answer. Import/export and quadrant come from this cycle's
  /// system totals; a tariff or partial change takes effect at the next cycle.
  bool IntegrateActive(const CycleEnergy& cycle);
  void IntegrateReactive(const CycleEnergy& cycle, bool partial);
  /// Both steps at once, for a record whose Q is known.
  void Integrate(const CycleEnergy& cycle) { IntegrateReactive(cycle, IntegrateActive(cycle)); }

  /// Digital-input functions.
  void SetTariff(int tariff) { state_.tariff = static_cast<std::uint8_t>(tariff == 1 ? 1 : 0); }
  void StartPartial() { state_.partial_running = 1; }
  void StopPartial() { state_.partial_running = 0; }
  void ResetPartial();

  const EnergyState& state() const { return state_; }
  void Restore(const EnergyState& s) { state_ = s; }
  std::uint64_t remainder_per_milli() const { return per_milli_; }
  double ticks_per_second() const { return ticks_per_second_; }
  /// Reading in kilo-units (kWh, kvarh, kVAh).
  double Kilo(const EnergyCounter& c) const { return c.Kilo(per_milli_); }
  double Seconds(std::uint64_t ticks) const { return static_cast<double>(ticks) / ticks_per_second_; }
  /// Time whose reactive step is done, since Init: the time base of the
  /// kvarh and quadrant registers over an interval (on_ticks, that of the
  /// others, runs up to a window ahead). Not persisted.
  std::uint64_t reactive_ticks() const { return reactive_ticks_; }
  /// Apparent power per phase below which a cycle registers nothing.
  float creep_threshold_va() const { return creep_va_; }

 private:
  struct SystemStep {
    float p = 0, q = 0, s = 0;
    bool any_load = false;
  };
  bool PhaseLoaded(const CycleEnergy& c, int phase) const {
    const auto up = static_cast<std::size_t>(phase);
    return c.s_va[up] >= creep_va_ && std::isfinite(c.p_w[up]);
  }
  SystemStep System(const CycleEnergy& c) const;

  EnergyState state_{};
  std::uint64_t reactive_ticks_ = 0;
  std::uint64_t per_milli_ = 0;
  double ticks_per_second_ = 0;
  float creep_va_ = 0;
};

}  // namespace meter
