#pragma once
// The HTTPS API's pure parts, without sockets (unit-tested; the query
// parser is fuzzed): the history query's parser, the failed-login limiter,
// and the JSON and CSV bodies of /api/v1/... (docs/openapi.json describes
// them).

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "meter/interfaces/load_profile.h"
#include "meter/interfaces/result_json.h"
#include "meter/interfaces/snapshot.h"

namespace meter::interfaces {

/// Parses a history query string ("from=...&to=...&step=..."; no leading
/// '?'). from and to are Unix seconds or UTC times (2026-12-07T10:00:00Z,
/// or a date, 2026-12-07); step is seconds or a number with s, min, h or d.
/// Defaults: to = now, from = to - 1 day, step = default_step_s. Unknown or
/// repeated keys, bad values, from >= to, and more than kMaxHistoryRows rows
/// are errors. @returns false with `why`.
constexpr std::int64_t kMaxHistoryRows = 20000;
bool ParseHistoryQuery(std::string_view query, std::int64_t now_unix_s, std::int64_t default_step_s,
                       HistoryRequest& out, std::string& why);
/// Percent-decoding of a query component ('+' is a space). @returns false
/// for a malformed escape or a NUL.
bool PercentDecode(std::string_view in, std::string& out);

/// Failed logins per client address: at most `max_failures` in any
/// `window_s`; beyond that the address is refused (429) until the oldest
/// failure ages out. Remembers at most `max_addresses` addresses (the
/// least recently failing one is forgotten first), so a flood of addresses
/// cannot exhaust memory.
class LoginLimiter {
 public:
  explicit LoginLimiter(int max_failures = 5, double window_s = 60.0, std::size_t max_addresses = 4096)
      : max_failures_(max_failures), window_s_(window_s), max_addresses_(max_addresses) {}
  /// True when `address` has used up its failures at time `now_s`.
  bool Blocked(const std::string& address, double now_s);
  /// Counts a failure; @returns the failures within the window, this one included.
  int Failed(const std::string& address, double now_s);

 private:
  void Expire(std::deque<double>& times, double now_s) const;
  int max_failures_;
  double window_s_;
  std::size_t max_addresses_;
  std::map<std::string, std::deque<double>> failures_;
};

/// Equality in time independent of where the strings differ.
bool ConstantTimeEqual(std::string_view a, std::string_view b);

struct InterfaceHealth {
  bool modbus_tcp_on = false;
  int modbus_clients = 0;
  std::uint64_t modbus_requests = 0;
  bool mqtt_on = false;
  bool mqtt_connected = false;
  std::uint64_t mqtt_records_queued = 0;
  std::uint64_t mqtt_records_delivered = 0;
  bool p1_on = false;
  bool modbus_rtu_on = false;
  std::uint64_t profile_records_written = 0;
  std::uint64_t profile_records_dropped = 0;
};

struct DeviceInfo {
  std::string serial;
  std::string version;
  std::string numeric;  ///< "float" or "q31"
  double un_v = 0, in_a = 0, rate_hz = 0;
  int nominal_hz = 50;
  double start_unix_s = 0;
};

/// /api/v1/info
Json InfoJson(const DeviceInfo& device, const MeterSnapshot& s, const InterfaceHealth& health, double now_unix_s);
/// /api/v1/status: the JSON-lines window object, plus time_unix_s and the
/// snapshot's lost_frames; null window fields before the first window.
Json StatusJson(const MeterSnapshot& s);
/// /api/v1/energy: every register as exact integers (milli-units: mWh,
/// mvarh, mVAh; hour meters in ticks and seconds) and in kilo-units.
Json EnergyApiJson(const MeterSnapshot& s);
/// /api/v1/harmonics: per channel, rms magnitude and phase (degrees) of
/// orders 1..max_order.
Json HarmonicsJson(const MeterSnapshot& s);
/// /api/v1/history and history.csv.
Json HistoryJson(const HistoryRequest& request, const std::vector<HistoryRow>& rows);
std::string HistoryCsv(const std::vector<HistoryRow>& rows);

}  // namespace meter::interfaces
