#include "meter/interfaces/http_api.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>

namespace meter::interfaces {

namespace {

bool ParseUnsigned(std::string_view text, std::int64_t max, std::int64_t& out) {
  if (text.empty() || text.size() > 18) return false;
  std::int64_t v = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  if (v > max) return false;
  out = v;
  return true;
}

// Unix seconds, or 2026-12-07T10:00:00Z, or 2026-12-07 (midnight UTC).
bool ParseTime(std::string_view text, std::int64_t& out) {
  constexpr std::int64_t kMaxUnix = 253402300799;  // 9999-12-31T23:59:59Z
  if (ParseUnsigned(text, kMaxUnix, out)) return true;
  std::int64_t year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  const bool date_only = text.size() == 10;
  if (!(date_only || (text.size() == 20 && text[10] == 'T' && text[13] == ':' && text[16] == ':' && text[19] == 'Z'))) {
    return false;
  }
  if (text[4] != '-' || text[7] != '-') return false;
  if (!ParseUnsigned(text.substr(0, 4), 9999, year) || !ParseUnsigned(text.substr(5, 2), 12, month) ||
      !ParseUnsigned(text.substr(8, 2), 31, day) || year < 1970 || month < 1 || day < 1) {
    return false;
  }
  if (!date_only && (!ParseUnsigned(text.substr(11, 2), 23, hour) || !ParseUnsigned(text.substr(14, 2), 59, minute) ||
                     !ParseUnsigned(text.substr(17, 2), 59, second))) {
    return false;
  }
  static constexpr int kDays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  if (day > kDays[month - 1] || (month == 2 && day == 29 && !leap)) return false;
  // Days from the civil date (proleptic Gregorian), after H. Hinnant's
  // well-known algorithm: no time zone or locale involved.
  const std::int64_t y = year - (month <= 2 ? 1 : 0);
  const std::int64_t era = y / 400;
  const std::int64_t yoe = y - era * 400;
  const std::int64_t mp = (month + 9) % 12;
  const std::int64_t doy = (153 * mp + 2) / 5 + day - 1;
  const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  const std::int64_t days = era * 146097 + doe - 719468;
  out = days * 86400 + hour * 3600 + minute * 60 + second;
  return true;
}

// 900, 900s, 15min, 1h, 1d.
bool ParseStep(std::string_view text, std::int64_t& out) {
  std::size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  const std::string_view unit = text.substr(digits);
  std::int64_t scale = 0;
  if (unit.empty() || unit == "s") scale = 1;
  if (unit == "min") scale = 60;
  if (unit == "h") scale = 3600;
  if (unit == "d") scale = 86400;
  std::int64_t n = 0;
  if (scale == 0 || !ParseUnsigned(text.substr(0, digits), 366 * 86400, n) || n == 0) return false;
  out = n * scale;
  return out <= 366 * 86400;
}

double Kilo(std::uint64_t milli) { return static_cast<double>(milli) / 1e6; }
double Seconds(std::uint64_t ticks, double per_second) {
  return per_second > 0 ? static_cast<double>(ticks) / per_second : 0.0;
}

// One register layout, written twice: as exact milli-unit integers and in
// kilo-units.
template <typename Value>
Json RegistersJson(const MeterSnapshot& s, Value value) {
  const EnergyState& e = s.registers;
  const auto set = [&](const EnergyState::Set& st) {
    Json q_wh = Json::array(), q_varh = Json::array(), q_vah = Json::array();
    for (std::size_t q = 0; q < 4; ++q) {
      q_wh.push_back(value(st.kwh_q[q].milli()));
      q_varh.push_back(value(st.kvarh_q[q].milli()));
      q_vah.push_back(value(st.kvah_q[q].milli()));
    }
    return Json{{"kwh_imp", value(st.kwh_imp.milli())},
                {"kwh_exp", value(st.kwh_exp.milli())},
                {"kvarh_imp", value(st.kvarh_imp.milli())},
                {"kvarh_exp", value(st.kvarh_exp.milli())},
                {"kvah", value(st.kvah.milli())},
                {"kwh_q", q_wh},
                {"kvarh_q", q_varh},
                {"kvah_q", q_vah}};
  };
  Json j = set(e.total);
  j["kwh_imp_tariff"] = Json::array({value(e.kwh_imp_tariff[0].milli()), value(e.kwh_imp_tariff[1].milli())});
  j["kwh_exp_tariff"] = Json::array({value(e.kwh_exp_tariff[0].milli()), value(e.kwh_exp_tariff[1].milli())});
  j["partial"] = set(e.partial);
  Json phases = Json::array();
  for (int p = 0; p < PhaseCount(s.wiring); ++p) {
    const auto& ph = e.phases[static_cast<std::size_t>(p)];
    phases.push_back(Json{{"kwh_imp", value(ph.kwh_imp.milli())},
                          {"kwh_exp", value(ph.kwh_exp.milli())},
                          {"kvarh_imp", value(ph.kvarh_imp.milli())},
                          {"kvarh_exp", value(ph.kvarh_exp.milli())}});
  }
  j["phases"] = phases;
  return j;
}

Json NumberOrNull(double x) { return std::isfinite(x) ? Json(x) : Json(nullptr); }

}  // namespace

bool PercentDecode(std::string_view in, std::string& out) {
  out.clear();
  const auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (std::size_t k = 0; k < in.size(); ++k) {
    char c = in[k];
    if (c == '+') {
      c = ' ';
    } else if (c == '%') {
      if (k + 2 >= in.size()) return false;
      const int hi = hex(in[k + 1]), lo = hex(in[k + 2]);
      if (hi < 0 || lo < 0) return false;
      c = static_cast<char>(hi * 16 + lo);
      k += 2;
    }
    if (c == '\0') return false;
    out.push_back(c);
  }
  return true;
}

bool ParseHistoryQuery(std::string_view query, std::int64_t now_unix_s, std::int64_t default_step_s,
                       HistoryRequest& out, std::string& why) {
  bool have_from = false, have_to = false, have_step = false;
  HistoryRequest r;
  r.step_s = default_step_s;
  std::size_t at = 0;
  while (at <= query.size() && !query.empty()) {
    std::size_t end = query.find('&', at);
    if (end == std::string_view::npos) end = query.size();
    const std::string_view item = query.substr(at, end - at);
    at = end + 1;
    if (item.empty()) {
      if (end == query.size()) break;
      continue;
    }
    const std::size_t eq = item.find('=');
    std::string key, value;
    if (eq == std::string_view::npos || !PercentDecode(item.substr(0, eq), key) ||
        !PercentDecode(item.substr(eq + 1), value)) {
      why = "malformed query parameter (expected key=value)";
      return false;
    }
    bool* seen = nullptr;
    bool ok = false;
    if (key == "from") {
      seen = &have_from;
      ok = ParseTime(value, r.from_unix_s);
    } else if (key == "to") {
      seen = &have_to;
      ok = ParseTime(value, r.to_unix_s);
    } else if (key == "step") {
      seen = &have_step;
      ok = ParseStep(value, r.step_s);
    } else {
      why = "unknown query parameter (from, to and step are known)";
      return false;
    }
    if (*seen) {
      why = "query parameter '" + key + "' given twice";
      return false;
    }
    *seen = true;
    if (!ok) {
      why = key == "step" ? "step: expected seconds, or a number with s, min, h or d (e.g. 900 or 15min)"
                          : key + ": expected Unix seconds or a UTC time such as 2026-12-07T10:00:00Z";
      return false;
    }
    if (end == query.size()) break;
  }
  if (!have_to) r.to_unix_s = now_unix_s;
  if (!have_from) r.from_unix_s = r.to_unix_s - 86400;
  if (r.from_unix_s >= r.to_unix_s) {
    why = "from must be before to";
    return false;
  }
  if ((r.to_unix_s - r.from_unix_s) / r.step_s > kMaxHistoryRows) {
    why = "more than " + std::to_string(kMaxHistoryRows) + " rows: narrow the range or take a larger step";
    return false;
  }
  out = r;
  return true;
}

bool LoginLimiter::Blocked(const std::string& address, double now_s) {
  const auto it = failures_.find(address);
  if (it == failures_.end()) return false;
  Expire(it->second, now_s);
  return static_cast<int>(it->second.size()) >= max_failures_;
}

int LoginLimiter::Failed(const std::string& address, double now_s) {
  auto it = failures_.find(address);
  if (it == failures_.end()) {
    if (failures_.size() >= max_addresses_) {
      // Forget the address whose latest failure is oldest.
      auto oldest = failures_.begin();
      for (auto k = failures_.begin(); k != failures_.end(); ++k) {
        const double latest = k->second.empty() ? -1e300 : k->second.back();
        const double best = oldest->second.empty() ? -1e300 : oldest->second.back();
        if (latest < best) oldest = k;
      }
      failures_.erase(oldest);
    }
    it = failures_.emplace(address, std::deque<double>{}).first;
  }
  Expire(it->second, now_s);
  it->second.push_back(now_s);
  while (static_cast<int>(it->second.size()) > max_failures_ + 1) it->second.pop_front();
  return static_cast<int>(it->second.size());
}

void LoginLimiter::Expire(std::deque<double>& times, double now_s) const {
  while (!times.empty() && now_s - times.front() >= window_s_) times.pop_front();
}

bool ConstantTimeEqual(std::string_view a, std::string_view b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  const std::size_t n = std::max(a.size(), b.size());
  for (std::size_t k = 0; k < n; ++k) {
    const unsigned char x = k < a.size() ? static_cast<unsigned char>(a[k]) : 0;
    const unsigned char y = k < b.size() ? static_cast<unsigned char>(b[k]) : 0;
    diff = static_cast<unsigned char>(diff | (x ^ y));
  }
  return diff == 0;
}

Json InfoJson(const DeviceInfo& device, const MeterSnapshot& s, const InterfaceHealth& h, double now_unix_s) {
  Json j;
  j["serial"] = device.serial;
  j["version"] = device.version;
  j["numeric"] = device.numeric;
  j["wiring"] = std::string(WiringName(s.wiring));
  j["ratings"] = Json{
      {"un_v", device.un_v}, {"in_a", device.in_a}, {"nominal_hz", device.nominal_hz}, {"rate_hz", device.rate_hz}};
  j["uptime_s"] = std::round((now_unix_s - device.start_unix_s) * 10) / 10;
  j["registers_ready"] = s.registers_ready;
  j["lost_frames"] = s.lost_frames;
  j["interfaces"] = Json{
      {"modbus_tcp", Json{{"on", h.modbus_tcp_on}, {"clients", h.modbus_clients}, {"requests", h.modbus_requests}}},
      {"modbus_rtu", Json{{"on", h.modbus_rtu_on}}},
      {"p1", Json{{"on", h.p1_on}}},
      {"mqtt", Json{{"on", h.mqtt_on},
                    {"connected", h.mqtt_connected},
                    {"records_queued", h.mqtt_records_queued},
                    {"records_delivered", h.mqtt_records_delivered}}},
      {"load_profile",
       Json{{"records_written", h.profile_records_written}, {"records_dropped", h.profile_records_dropped}}}};
  return j;
}

Json StatusJson(const MeterSnapshot& s) {
  Json j = s.has_window ? WindowJson(s.window, s.t_s) : Json{{"type", "window"}, {"sequence", nullptr}};
  j["time_unix_s"] = std::round(s.time_unix_s * 1e3) / 1e3;
  j["lost_frames"] = s.lost_frames;
  return j;
}

Json EnergyApiJson(const MeterSnapshot& s) {
  Json j;
  j["time_unix_s"] = std::round(s.time_unix_s * 1e3) / 1e3;
  j["ready"] = s.registers_ready;
  j["tariff"] = s.registers.tariff + 1;
  j["partial_running"] = s.registers.partial_running != 0;
  if (!s.registers_ready) return j;  // no total before the store is restored
  j["milli"] = RegistersJson(s, [](std::uint64_t m) { return Json(m); });
  j["kilo"] = RegistersJson(s, [](std::uint64_t m) { return Json(Kilo(m)); });
  const EnergyState& e = s.registers;
  j["hours"] = Json{{"ticks_per_second", s.ticks_per_second},
                    {"import_ticks", e.import_ticks},
                    {"export_ticks", e.export_ticks},
                    {"on_ticks", e.on_ticks},
                    {"partial_import_ticks", e.partial_import_ticks},
                    {"partial_export_ticks", e.partial_export_ticks},
                    {"import_s", Seconds(e.import_ticks, s.ticks_per_second)},
                    {"export_s", Seconds(e.export_ticks, s.ticks_per_second)},
                    {"on_s", Seconds(e.on_ticks, s.ticks_per_second)},
                    {"partial_import_s", Seconds(e.partial_import_ticks, s.ticks_per_second)},
                    {"partial_export_s", Seconds(e.partial_export_ticks, s.ticks_per_second)}};
  return j;
}

Json HarmonicsJson(const MeterSnapshot& s) {
  static constexpr const char* kNames[HarmonicSpectrum::kChannels] = {"va", "vb",  "vc",  "ia", "ib",
                                                                      "ic", "vab", "vbc", "vca"};
  const int phases = PhaseCount(s.wiring);
  const bool has_ll = s.has_window && s.window.line_to_line_count > 0;
  Json channels = Json::array();
  const int orders = std::min(s.spectrum.max_order, static_cast<int>(dsp::kMaxHarmonicOrder));
  for (int c = 0; c < HarmonicSpectrum::kChannels; ++c) {
    const bool present = c < 3 ? c < phases : (c < 6 ? c - 3 < phases : has_ll && c - 6 < s.window.line_to_line_count);
    if (!present || !s.has_window) continue;
    Json magnitude = Json::array(), phase = Json::array();
    for (int n = 1; n <= orders; ++n) {
      magnitude.push_back(JsonNumber(s.spectrum.Magnitude(static_cast<SpectrumChannel>(c), n)));
      phase.push_back(JsonNumber(s.spectrum.PhaseDeg(static_cast<SpectrumChannel>(c), n)));
    }
    channels.push_back(Json{
        {"channel", kNames[c]}, {"unit", c < 3 || c >= 6 ? "V" : "A"}, {"magnitude", magnitude}, {"phase_deg", phase}});
  }
  return Json{{"sequence", s.has_window ? Json(s.window.sequence) : Json(nullptr)},
              {"max_order", s.has_window ? orders : 0},
              {"channels", channels}};
}

Json HistoryJson(const HistoryRequest& request, const std::vector<HistoryRow>& rows) {
  Json out = Json::array();
  for (const HistoryRow& r : rows) {
    Json row;
    row["start_unix_s"] = r.start_unix_s;
    row["windows"] = r.windows;
    row["complete"] = r.complete;
    row["flags"] = FlagNames(r.flags);
    Json energy;
    for (int k = 0; k < kProfileEnergies; ++k)
      energy[ProfileEnergyName(k)] = r.delta_milli[static_cast<std::size_t>(k)];
    row["energy_milli"] = energy;
    for (int k = 0; k < kProfileQuantities; ++k) {
      const auto& v = r.stats[static_cast<std::size_t>(k)];
      row[ProfileQuantityName(k)] =
          Json{{"avg", NumberOrNull(v[0])}, {"min", NumberOrNull(v[1])}, {"max", NumberOrNull(v[2])}};
    }
    out.push_back(row);
  }
  return Json{{"from_unix_s", request.from_unix_s},
              {"to_unix_s", request.to_unix_s},
              {"step_s", request.step_s},
              {"rows", out}};
}

std::string HistoryCsv(const std::vector<HistoryRow>& rows) {
  std::string csv = "start_unix_s,windows,complete,flags";
  for (int k = 0; k < kProfileEnergies; ++k) csv += std::string(",d_") + ProfileEnergyName(k) + "_milli";
  for (int k = 0; k < kProfileQuantities; ++k) {
    for (const char* stat : {"avg", "min", "max"}) csv += std::string(",") + ProfileQuantityName(k) + "_" + stat;
  }
  csv += "\n";
  char number[32];
  for (const HistoryRow& r : rows) {
    csv += std::to_string(r.start_unix_s);
    csv += ',';
    csv += std::to_string(r.windows);
    csv += r.complete ? ",1," : ",0,";
    std::string flags;
    for (const std::string& f : FlagNames(r.flags)) flags += (flags.empty() ? "" : " ") + f;
    csv += flags;
    for (const std::int64_t d : r.delta_milli) {
      csv += ',';
      csv += std::to_string(d);
    }
    for (const auto& q : r.stats) {
      for (const double v : q) {
        csv += ",";
        if (std::isfinite(v)) {
          std::snprintf(number, sizeof number, "%.9g", v);
          csv += number;
        }
      }
    }
    csv += "\n";
  }
  return csv;
}

}  // namespace meter::interfaces
