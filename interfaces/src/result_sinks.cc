#include "meter/interfaces/result_sinks.h"

#include <fmt/format.h>
#include <fmt/ostream.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "meter/interfaces/result_json.h"

namespace meter::interfaces {
namespace {

using Json = nlohmann::ordered_json;

// The window's JSON is the interfaces' (one writer for the JSON lines and
// the MQTT state topic); aggregates and summaries are written here.
Json Num(float x) { return JsonNumber(x); }

Json TotalJson(const TotalValues& t) {
  return Json{{"p_w", Num(t.p_w)}, {"q_var", Num(t.q_var)}, {"s_va", Num(t.s_va)}, {"pf", Num(t.pf)}};
}

}  // namespace

double Seconds(std::uint64_t sample, float frac, std::uint64_t gaps, double rate) {
  return (static_cast<double>(sample) + static_cast<double>(frac) + static_cast<double>(gaps)) / rate;
}

namespace {

std::string Fixed(float x, int width, int decimals) {
  if (!std::isfinite(x)) return fmt::format("{:>{}}", "-", width);
  return fmt::format("{:>{}.{}f}", x, width, decimals);
}

}  // namespace

template <typename Numeric>
void FillEnergy(const BasicEnergyMeter<Numeric>& em, const CountingPulseOutput* pulses, ReplaySummary& s) {
  const EnergyRegisters& r = em.registers();
  const EnergyState& st = r.state();
  s.kwh_imp = r.Kilo(st.total.kwh_imp);
  s.kwh_exp = r.Kilo(st.total.kwh_exp);
  s.kvarh_imp = r.Kilo(st.total.kvarh_imp);
  s.kvarh_exp = r.Kilo(st.total.kvarh_exp);
  s.kvah = r.Kilo(st.total.kvah);
  for (std::size_t q = 0; q < 4; ++q) {
    s.kwh_q[q] = r.Kilo(st.total.kwh_q[q]);
    s.kvarh_q[q] = r.Kilo(st.total.kvarh_q[q]);
    s.kvah_q[q] = r.Kilo(st.total.kvah_q[q]);
  }
  s.phases.clear();
  for (int p = 0; p < PhaseCount(em.meter().config().wiring); ++p) {
    const auto& ph = st.phases[static_cast<std::size_t>(p)];
    s.phases.push_back({r.Kilo(ph.kwh_imp), r.Kilo(ph.kwh_exp), r.Kilo(ph.kvarh_imp), r.Kilo(ph.kvarh_exp)});
  }
  s.pulses = pulses != nullptr ? pulses->pulses() : 0;
  s.import_s = r.Seconds(st.import_ticks);
  s.export_s = r.Seconds(st.export_ticks);
  s.on_s = r.Seconds(st.on_ticks);
}

template void FillEnergy(const BasicEnergyMeter<dsp::FloatNumeric>&, const CountingPulseOutput*, ReplaySummary&);
template void FillEnergy(const BasicEnergyMeter<dsp::Q31Numeric>&, const CountingPulseOutput*, ReplaySummary&);

void JsonLinesSink::OnWindow(const WindowResult& w, const HarmonicSpectrum&, double t_s) {
  out_ << WindowJson(w, t_s).dump() << '\n';
}

void JsonLinesSink::OnAggregate(const AggregateResult& a, double t_s) {
  if (!aggregates_) return;
  Json j;
  j["type"] = "aggregate";
  j["t_s"] = std::round(t_s * 1e7) / 1e7;
  j["duration_s"] = Num(a.duration_s);
  j["flags"] = FlagNames(a.flags);
  Json phases = Json::array();
  for (int p = 0; p < a.phase_count; ++p) {
    const auto& ph = a.phases[static_cast<std::size_t>(p)];
    phases.push_back(Json{{"v_rms", Num(ph.v_rms)},
                          {"i_rms", Num(ph.i_rms)},
                          {"p_w", Num(ph.p_w)},
                          {"q_var", Num(ph.q_var)},
                          {"s_va", Num(ph.s_va)},
                          {"pf", Num(ph.pf)}});
  }
  j["phases"] = phases;
  j["total"] = TotalJson(a.total);
  out_ << j.dump() << '\n';
}

void JsonLinesSink::OnSummary(const ReplaySummary& s) {
  Json j;
  j["type"] = "summary";
  j["duration_s"] = std::round(s.duration_s * 1e7) / 1e7;
  j["windows"] = s.windows;
  j["rate_hz"] = s.rate_hz;
  j["nominal_hz"] = s.nominal_hz;
  if (!s.channels.empty()) {
    Json channels = Json::object();
    for (const auto& c : s.channels) channels[c.input] = c.channel;
    j["channels"] = channels;
  }
  Json f = Json::array();
  for (double x : s.f_hz_10s) f.push_back(Num(static_cast<float>(x)));
  j["f_hz_10s"] = f;
  const auto four = [](const double* v) { return Json::array({v[0], v[1], v[2], v[3]}); };
  Json phases = Json::array();
  for (const auto& p : s.phases) {
    phases.push_back(
        Json{{"kwh_imp", p.kwh_imp}, {"kwh_exp", p.kwh_exp}, {"kvarh_imp", p.kvarh_imp}, {"kvarh_exp", p.kvarh_exp}});
  }
  j["energy"] = Json{{"kwh_imp", s.kwh_imp},       {"kwh_exp", s.kwh_exp},     {"kvarh_imp", s.kvarh_imp},
                     {"kvarh_exp", s.kvarh_exp},   {"kvah", s.kvah},           {"kwh_q", four(s.kwh_q)},
                     {"kvarh_q", four(s.kvarh_q)}, {"kvah_q", four(s.kvah_q)}, {"phases", phases}};
  j["pulses"] = s.pulses;
  j["hours"] = Json{{"import_s", s.import_s}, {"export_s", s.export_s}, {"on_s", s.on_s}};
  out_ << j.dump() << '\n';
  out_.flush();
}

void TableSink::OnWindow(const WindowResult& w, const HarmonicSpectrum&, double t_s) {
  const auto flags = FlagNames(w.flags);
  fmt::print(out_, "window {:<5} t {:>10.4f} s   f {} Hz   flags: {}\n", w.sequence, t_s, Fixed(w.f_hz, 8, 3),
             flags.empty() ? "-" : fmt::format("{}", fmt::join(flags, " ")));
  fmt::print(out_, "  {:<6}{:>10}{:>10}{:>12}{:>12}{:>12}{:>8}{:>12}{:>12}{:>8}{:>8}\n", "phase", "V", "A", "W", "var",
             "VA", "PF", "W fund", "var fund", "THD V%", "THD I%");
  static constexpr const char* kNames[] = {"A", "B", "C"};
  for (int p = 0; p < w.phase_count; ++p) {
    const auto& ph = w.phases[static_cast<std::size_t>(p)];
    fmt::print(out_, "  {:<6}{}{}{}{}{}{}{}{}{}{}\n", kNames[p], Fixed(ph.v_rms, 10, 2), Fixed(ph.i_rms, 10, 3),
               Fixed(ph.p_w, 12, 1), Fixed(ph.q_var, 12, 1), Fixed(ph.s_va, 12, 1), Fixed(ph.pf, 8, 3),
               Fixed(ph.p1_w, 12, 1), Fixed(ph.q1_var, 12, 1), Fixed(ph.thd_v_pct, 8, 2), Fixed(ph.thd_i_pct, 8, 2));
  }
  fmt::print(out_, "  {:<6}{:>20}{}{}{}{}\n", "total", "", Fixed(w.total.p_w, 12, 1), Fixed(w.total.q_var, 12, 1),
             Fixed(w.total.s_va, 12, 1), Fixed(w.total.pf, 8, 3));
  if (w.line_to_line_count > 0 || w.has_neutral || w.has_unbalance) {
    std::string extra = " ";
    static constexpr const char* kLl[] = {"AB", "BC", "CA"};
    for (int l = 0; l < w.line_to_line_count; ++l) {
      extra += fmt::format(" V{} {} V (THD {}%)", kLl[l], Fixed(w.v_ll_rms[static_cast<std::size_t>(l)], 0, 2),
                           Fixed(w.thd_v_ll_pct[static_cast<std::size_t>(l)], 0, 2));
    }
    if (w.has_neutral) extra += fmt::format("  In {} A", Fixed(w.i_n_rms, 0, 3));
    if (w.has_unbalance) extra += fmt::format("  unbalance V {}%", Fixed(w.unbalance_v_pct, 0, 3));
    fmt::print(out_, "{}\n", extra);
  }
}

void TableSink::OnSummary(const ReplaySummary& s) {
  fmt::print(out_, "summary: {:.4f} s, {} windows", s.duration_s, s.windows);
  if (!s.f_hz_10s.empty()) {
    std::vector<std::string> f;
    for (double x : s.f_hz_10s) f.push_back(std::isfinite(x) ? fmt::format("{:.3f}", x) : "-");
    fmt::print(out_, ", 10 s frequency: {} Hz", fmt::join(f, " "));
  }
  fmt::print(out_, "\n");
  fmt::print(out_, "energy: kWh import {:.6f}  export {:.6f}   kvarh import {:.6f}  export {:.6f}   kVAh {:.6f}\n",
             s.kwh_imp, s.kwh_exp, s.kvarh_imp, s.kvarh_exp, s.kvah);
  fmt::print(out_, "        quadrants I..IV  kWh {:.6f} {:.6f} {:.6f} {:.6f}   kvarh {:.6f} {:.6f} {:.6f} {:.6f}\n",
             s.kwh_q[0], s.kwh_q[1], s.kwh_q[2], s.kwh_q[3], s.kvarh_q[0], s.kvarh_q[1], s.kvarh_q[2], s.kvarh_q[3]);
  fmt::print(out_, "        pulses {}   import {:.1f} s  export {:.1f} s  on {:.1f} s\n", s.pulses, s.import_s,
             s.export_s, s.on_s);
}

}  // namespace meter::interfaces
