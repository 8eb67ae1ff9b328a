#include "meter/interfaces/mqtt_payloads.h"

#include <cmath>

namespace meter::interfaces {
namespace {

// A register in its kilo-unit at milli-unit resolution: counted, never
// rounded up.
double Kilo(const EnergyCounter& c) { return static_cast<double>(c.milli()) / 1e6; }

Json SetJson(const EnergyState::Set& set) {
  Json quadrants_wh = Json::array(), quadrants_varh = Json::array(), quadrants_vah = Json::array();
  for (std::size_t q = 0; q < 4; ++q) {
    quadrants_wh.push_back(Kilo(set.kwh_q[q]));
    quadrants_varh.push_back(Kilo(set.kvarh_q[q]));
    quadrants_vah.push_back(Kilo(set.kvah_q[q]));
  }
  return Json{{"kwh_imp", Kilo(set.kwh_imp)},     {"kwh_exp", Kilo(set.kwh_exp)}, {"kvarh_imp", Kilo(set.kvarh_imp)},
              {"kvarh_exp", Kilo(set.kvarh_exp)}, {"kvah", Kilo(set.kvah)},       {"kwh_q", quadrants_wh},
              {"kvarh_q", quadrants_varh},        {"kvah_q", quadrants_vah}};
}

double Seconds(std::uint64_t ticks, double per_second) {
  return per_second > 0 ? static_cast<double>(ticks) / per_second : 0.0;
}

}  // namespace

Json StateJson(const MeterSnapshot& s) {
  Json j = WindowJson(s.window, s.t_s);
  j["time_unix_s"] = std::round(s.time_unix_s * 1e3) / 1e3;
  return j;
}

Json EnergyJson(const MeterSnapshot& s) {
  const EnergyState& e = s.saved_registers;
  Json j = SetJson(e.total);
  j["time_unix_s"] = std::round(s.time_unix_s * 1e3) / 1e3;
  j["tariff"] = e.tariff + 1;
  j["kwh_imp_tariff"] = Json::array({Kilo(e.kwh_imp_tariff[0]), Kilo(e.kwh_imp_tariff[1])});
  j["kwh_exp_tariff"] = Json::array({Kilo(e.kwh_exp_tariff[0]), Kilo(e.kwh_exp_tariff[1])});
  Json partial = SetJson(e.partial);
  partial["running"] = e.partial_running != 0;
  partial["import_s"] = Seconds(e.partial_import_ticks, s.ticks_per_second);
  partial["export_s"] = Seconds(e.partial_export_ticks, s.ticks_per_second);
  j["partial"] = partial;
  Json phases = Json::array();
  for (int p = 0; p < PhaseCount(s.wiring); ++p) {
    const auto& ph = e.phases[static_cast<std::size_t>(p)];
    phases.push_back(Json{{"kwh_imp", Kilo(ph.kwh_imp)},
                          {"kwh_exp", Kilo(ph.kwh_exp)},
                          {"kvarh_imp", Kilo(ph.kvarh_imp)},
                          {"kvarh_exp", Kilo(ph.kvarh_exp)}});
  }
  j["phases"] = phases;
  j["hours"] = Json{{"import_s", Seconds(e.import_ticks, s.ticks_per_second)},
                    {"export_s", Seconds(e.export_ticks, s.ticks_per_second)},
                    {"on_s", Seconds(e.on_ticks, s.ticks_per_second)}};
  return j;
}

namespace {

struct Sensor {
  std::string object;  // object id, also the unique id's tail
  std::string name;
  const char* device_class;  // nullptr: none
  const char* state_class;
  const char* unit;  // nullptr: none (a ratio)
  bool energy_topic;
  std::string value_template;
};

}  // namespace

std::vector<Retained> DiscoveryConfigs(const MqttNaming& naming) {
  std::vector<Sensor> sensors = {
      {"energy_import", "Energy import", "energy", "total_increasing", "kWh", true, "{{ value_json.kwh_imp }}"},
      {"energy_export", "Energy export", "energy", "total_increasing", "kWh", true, "{{ value_json.kwh_exp }}"},
      {"power", "Power", "power", "measurement", "W", false, "{{ value_json.total.p_w }}"},
      {"reactive_power", "Reactive power", "reactive_power", "measurement", "var", false,
       "{{ value_json.total.q_var }}"},
      {"apparent_power", "Apparent power", "apparent_power", "measurement", "VA", false, "{{ value_json.total.s_va }}"},
      {"power_factor", "Power factor", "power_factor", "measurement", nullptr, false, "{{ value_json.total.pf }}"},
      {"frequency", "Frequency", "frequency", "measurement", "Hz", false, "{{ value_json.f_hz }}"},
  };
  const int phases = PhaseCount(naming.wiring);
  for (int p = 0; p < phases; ++p) {
    const std::string n = std::to_string(p + 1);
    const std::string at = "value_json.phases[" + std::to_string(p) + "]";
    sensors.push_back(
        {"voltage_l" + n, "Voltage L" + n, "voltage", "measurement", "V", false, "{{ " + at + ".v_rms }}"});
    sensors.push_back(
        {"current_l" + n, "Current L" + n, "current", "measurement", "A", false, "{{ " + at + ".i_rms }}"});
    sensors.push_back({"power_l" + n, "Power L" + n, "power", "measurement", "W", false, "{{ " + at + ".p_w }}"});
  }
  const std::string node = "meter_core_" + naming.serial;
  const Json device = {{"identifiers", Json::array({node})},
                       {"manufacturer", "meter-core"},
                       {"model", "meter-core " + std::string(WiringName(naming.wiring))},
                       {"name", "meter-core " + naming.serial},
                       {"sw_version", naming.version}};
  std::vector<Retained> out;
  for (const Sensor& s : sensors) {
    Json config;
    config["name"] = s.name;
    config["unique_id"] = node + "_" + s.object;
    config["object_id"] = node + "_" + s.object;
    config["state_topic"] = s.energy_topic ? naming.EnergyTopic() : naming.StateTopic();
    config["value_template"] = s.value_template;
    if (s.device_class != nullptr) config["device_class"] = s.device_class;
    config["state_class"] = s.state_class;
    if (s.unit != nullptr) config["unit_of_measurement"] = s.unit;
    config["availability_topic"] = naming.StatusTopic();
    config["payload_available"] = "online";
    config["payload_not_available"] = "offline";
    config["device"] = device;
    out.push_back({naming.discovery_prefix + "/sensor/" + node + "/" + s.object + "/config", config.dump()});
  }
  return out;
}

bool PartialResetDetector::Feed(const MeterSnapshot& s, Json& event) {
  if (!s.registers_ready) return false;
  const EnergyState& e = s.registers;
  const EnergyState::Set& p = e.partial;
  // One sum of everything a reset clears: it only grows until a reset.
  const std::uint64_t sum = p.kwh_imp.milli() + p.kwh_exp.milli() + p.kvarh_imp.milli() + p.kvarh_exp.milli() +
                            p.kvah.milli() + e.partial_import_ticks + e.partial_export_ticks;
  const bool reset = have_ && sum < last_;
  if (reset) {
    event = Json{{"event", "partial_reset"},
                 {"time_unix_s", std::round(s.time_unix_s * 1e3) / 1e3},
                 {"partial_before", Json{{"kwh_imp", static_cast<double>(last_kwh_imp_) / 1e6}}}};
  }
  last_ = sum;
  last_kwh_imp_ = p.kwh_imp.milli();
  have_ = true;
  return reset;
}

namespace {

Json StatJson(const RunningStat& s) {
  if (s.n == 0) return Json{{"avg", nullptr}, {"min", nullptr}, {"max", nullptr}};
  return Json{{"avg", JsonNumber(static_cast<float>(s.average()))},
              {"min", JsonNumber(static_cast<float>(s.min))},
              {"max", JsonNumber(static_cast<float>(s.max))}};
}

}  // namespace

void IntervalRecorder::Reset(double interval_start) {
  open_ = true;
  start_ = interval_start;
  windows_ = 0;
  flags_ = 0;
  p_total_ = pf_total_ = f_ = RunningStat{};
  for (auto* group : {&v_, &i_, &p_, &thd_v_, &thd_i_}) group->fill(RunningStat{});
}

bool IntervalRecorder::Add(const MeterSnapshot& s, Json& finished) {
  const double start = std::floor(s.time_unix_s / period_s_) * period_s_;
  bool closed = false;
  if (open_ && start > start_) {
    Json r;
    r["start_unix_s"] = start_;
    r["end_unix_s"] = start_ + period_s_;
    r["windows"] = windows_;
    r["flags"] = FlagNames(flags_);
    // The registers at the interval's last window: the energy of an interval
    // is the difference of two records' registers, exact to the mWh.
    MeterSnapshot at_end;
    at_end.saved_registers = last_registers_;
    at_end.ticks_per_second = ticks_per_second_;
    at_end.time_unix_s = last_time_;
    at_end.wiring = s.wiring;
    r["registers"] = EnergyJson(at_end);
    r["p_w"] = StatJson(p_total_);
    r["pf"] = StatJson(pf_total_);
    r["f_hz"] = StatJson(f_);
    Json v = Json::array(), i = Json::array(), p = Json::array(), tv = Json::array(), ti = Json::array();
    for (int k = 0; k < phases_; ++k) {
      const auto uk = static_cast<std::size_t>(k);
      v.push_back(StatJson(v_[uk]));
      i.push_back(StatJson(i_[uk]));
      p.push_back(StatJson(p_[uk]));
      tv.push_back(StatJson(thd_v_[uk]));
      ti.push_back(StatJson(thd_i_[uk]));
    }
    r["v_rms"] = v;
    r["i_rms"] = i;
    r["phase_p_w"] = p;
    r["thd_v_pct"] = tv;
    r["thd_i_pct"] = ti;
    finished = std::move(r);
    closed = true;
  }
  if (!open_ || start > start_) Reset(start);
  const WindowResult& w = s.window;
  ++windows_;
  flags_ |= w.flags;
  phases_ = w.phase_count < 0 ? 0 : (w.phase_count > 3 ? 3 : w.phase_count);
  p_total_.Add(w.total.p_w);
  pf_total_.Add(w.total.pf);
  f_.Add(w.f_hz);
  for (int k = 0; k < phases_; ++k) {
    const auto uk = static_cast<std::size_t>(k);
    v_[uk].Add(w.phases[uk].v_rms);
    i_[uk].Add(w.phases[uk].i_rms);
    p_[uk].Add(w.phases[uk].p_w);
    thd_v_[uk].Add(w.phases[uk].thd_v_pct);
    thd_i_[uk].Add(w.phases[uk].thd_i_pct);
  }
  last_registers_ = s.saved_registers;
  ticks_per_second_ = s.ticks_per_second;
  last_time_ = s.time_unix_s;
  return closed;
}

}  // namespace meter::interfaces
