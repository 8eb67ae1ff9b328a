#pragma once
// Values at the meter's interfaces (display, Modbus register map) in the
// reference meter's resolutions: energy 0.001 kWh (Wh), power 0.1 W / var /
// VA, current 0.001 A, voltage 0.1 V, frequency 0.001 Hz, PF 0.001. Integers,
// rounded half away from zero; an undefined value (NaN) becomes kUndefined.

#include <cstdint>

#include "meter/metering/energy_counter.h"
#include "meter/metering/window_result.h"

namespace meter {

inline constexpr std::int32_t kUndefined = INT32_MIN;

struct PhaseInterfaceValues {
  std::int32_t v_dv = 0;      ///< 0.1 V
  std::int32_t i_ma = 0;      ///< 0.001 A
  std::int32_t p_dw = 0;      ///< 0.1 W
  std::int32_t q_dvar = 0;    ///< 0.1 var
  std::int32_t s_dva = 0;     ///< 0.1 VA
  std::int32_t pf_milli = 0;  ///< 0.001
};

struct InterfaceValues {
  std::int32_t f_mhz = 0;  ///< 0.001 Hz
  PhaseInterfaceValues phases[3]{};
  std::int32_t p_total_dw = 0, q_total_dvar = 0, s_total_dva = 0, pf_total_milli = 0;
  std::int32_t i_n_ma = 0;
};

/// Rounds `value / resolution` to an integer; kUndefined for NaN, clamped to
/// the int32 range (never wraps).
std::int32_t Quantize(float value, float resolution);
InterfaceValues ToInterface(const WindowResult& w);
/// An energy register in whole Wh (0.001 kWh), truncated as a register
/// display is (it shows what has been counted, never more).
inline std::uint64_t RegisterWh(const EnergyCounter& c) { return c.milli() / 1000u; }

}  // namespace meter
