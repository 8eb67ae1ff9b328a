#include "meter/interfaces/result_json.h"

#include <fmt/format.h>

#include <cmath>

namespace meter::interfaces {
namespace {

Json PhaseJson(const PhaseValues& p) {
  return Json{
      {"v_rms", JsonNumber(p.v_rms)},        {"i_rms", JsonNumber(p.i_rms)},   {"p_w", JsonNumber(p.p_w)},
      {"q_var", JsonNumber(p.q_var)},        {"s_va", JsonNumber(p.s_va)},     {"pf", JsonNumber(p.pf)},
      {"p1_w", JsonNumber(p.p1_w)},          {"q1_var", JsonNumber(p.q1_var)}, {"thd_v_pct", JsonNumber(p.thd_v_pct)},
      {"thd_i_pct", JsonNumber(p.thd_i_pct)}};
}

Json TotalJson(const TotalValues& t) {
  return Json{{"p_w", JsonNumber(t.p_w)},
              {"q_var", JsonNumber(t.q_var)},
              {"s_va", JsonNumber(t.s_va)},
              {"pf", JsonNumber(t.pf)}};
}

}  // namespace

Json JsonNumber(float x) {
  if (!std::isfinite(x)) return nullptr;
  return std::stod(fmt::format("{}", x));
}

std::vector<std::string> FlagNames(std::uint32_t flags) {
  std::vector<std::string> names;
  for (int bit = 0; bit < 32; ++bit) {
    if ((flags >> bit) & 1u) {
      const char* n = WindowFlagName(bit);
      names.emplace_back(n ? n : fmt::format("bit{}", bit));
    }
  }
  return names;
}

Json WindowJson(const WindowResult& w, double t_s) {
  Json j;
  j["type"] = "window";
  j["sequence"] = w.sequence;  // as the interfaces publish it (Modbus 0x1000)
  j["t_s"] = std::round(t_s * 1e7) / 1e7;
  j["f_hz"] = JsonNumber(w.f_hz);
  j["flags"] = FlagNames(w.flags);
  Json phases = Json::array();
  for (int p = 0; p < w.phase_count; ++p) phases.push_back(PhaseJson(w.phases[static_cast<std::size_t>(p)]));
  j["phases"] = phases;
  if (w.line_to_line_count > 0) {
    Json ll = Json::array(), thd = Json::array();
    for (int l = 0; l < w.line_to_line_count; ++l) {
      ll.push_back(JsonNumber(w.v_ll_rms[static_cast<std::size_t>(l)]));
      thd.push_back(JsonNumber(w.thd_v_ll_pct[static_cast<std::size_t>(l)]));
    }
    j["v_ll_rms"] = ll;
    j["thd_v_ll_pct"] = thd;
  }
  if (w.has_neutral) j["i_n_rms"] = JsonNumber(w.i_n_rms);
  if (w.has_unbalance) j["unbalance_v_pct"] = JsonNumber(w.unbalance_v_pct);
  j["total"] = TotalJson(w.total);
  // Additions to the contract (never renamed, only added).
  j["duration_s"] = JsonNumber(w.duration_s);
  j["cycles"] = w.cycles;
  j["thd_max_order"] = w.thd_max_order;
  if (w.has_unbalance) {
    j["unbalance_v0_pct"] = JsonNumber(w.unbalance_v0_pct);
    j["unbalance_i_pct"] = JsonNumber(w.unbalance_i_pct);
    j["unbalance_i0_pct"] = JsonNumber(w.unbalance_i0_pct);
  }
  return j;
}

}  // namespace meter::interfaces
