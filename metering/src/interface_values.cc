#include "meter/metering/interface_values.h"

#include <cmath>

namespace meter {

std::int32_t Quantize(float value, float resolution) {
  if (!std::isfinite(value)) return kUndefined;
  const double scaled = std::round(static_cast<double>(value) / static_cast<double>(resolution));
  if (scaled >= 2147483647.0) return INT32_MAX;
  if (scaled <= -2147483647.0) return -INT32_MAX;  // INT32_MIN is kUndefined
  return static_cast<std::int32_t>(scaled);
}

InterfaceValues ToInterface(const WindowResult& w) {
  InterfaceValues out;
  out.f_mhz = Quantize(w.f_hz, 0.001f);
  for (int p = 0; p < w.phase_count; ++p) {
    const PhaseValues& ph = w.phases[p];
    PhaseInterfaceValues& o = out.phases[p];
    o.v_dv = Quantize(ph.v_rms, 0.1f);
    o.i_ma = Quantize(ph.i_rms, 0.001f);
    o.p_dw = Quantize(ph.p_w, 0.1f);
    o.q_dvar = Quantize(ph.q_var, 0.1f);
    o.s_dva = Quantize(ph.s_va, 0.1f);
    o.pf_milli = Quantize(ph.pf, 0.001f);
  }
  out.p_total_dw = Quantize(w.total.p_w, 0.1f);
  out.q_total_dvar = Quantize(w.total.q_var, 0.1f);
  out.s_total_dva = Quantize(w.total.s_va, 0.1f);
  out.pf_total_milli = Quantize(w.total.pf, 0.001f);
  out.i_n_ma = w.has_neutral ? Quantize(w.i_n_rms, 0.001f) : kUndefined;
  return out;
}

}  // namespace meter
