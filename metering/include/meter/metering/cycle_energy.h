#pragma once
// One fundamental cycle's powers and exact duration: what the energy
// registers integrate. Cycle-by-cycle integration means a tariff change is
// resolved to one cycle, a pulse output never lags its register by more
// than a fraction of a pulse, and nothing is lost between windows
// (consecutive cycles tile the time axis). Q is known a window later than
// P and S (see BasicMeter::PopCycleReactive).

#include <array>
#include <cstdint>

namespace meter {

/// Time on the energy axis: 1/16 sample. Boundaries are rounded to it and
/// durations are differences of rounded boundaries, so the sum of all
/// durations equals the elapsed time exactly.
inline constexpr int kTicksPerSample = 16;

struct CycleEnergy {
  std::uint64_t start_tick = 0;
  std::uint64_t end_tick = 0;
  std::uint64_t gap_ticks = 0;  ///< Lost samples inside the cycle, integrated at its power.
  int phase_count = 0;
  std::array<float, 3> p_w{};    ///< Active power per phase.
  std::array<float, 3> q_var{};  ///< Budeanu reactive power per phase, + inductive: the window's Q/S times this S.
  std::array<float, 3> s_va{};   ///< Vrms * Irms per phase.
  float p_total_w = 0;           ///< System (3P3W: two-wattmeter).
  float q_total_var = 0;
  float s_total_va = 0;      ///< Sum of the phases' S.
  bool q_estimated = false;  ///< Its window had no spectrum (or was flushed): Q follows the last known Q/S.

  std::uint64_t ticks() const { return end_tick - start_tick + gap_ticks; }
};

}  // namespace meter
