#pragma once
// What the MQTT interface publishes, built without I/O (unit-tested and
// fuzzed with random snapshots): the state (the JSON-lines window object),
// every register, Home Assistant discovery configurations, and interval
// records (registers plus average, minimum and maximum of P, V, I, PF and
// THD over the interval).

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "meter/interfaces/result_json.h"
#include "meter/interfaces/running_stat.h"
#include "meter/interfaces/snapshot.h"

namespace meter::interfaces {

struct MqttNaming {
  std::string serial;
  std::string version;
  Wiring wiring = Wiring::k3P4W;
  std::string prefix = "meter-core";  ///< Topics are PREFIX/SERIAL/state, .../energy, ...
  std::string discovery_prefix = "homeassistant";

  std::string Base() const { return prefix + "/" + serial; }
  std::string StateTopic() const { return Base() + "/state"; }
  std::string EnergyTopic() const { return Base() + "/energy"; }
  std::string StatusTopic() const { return Base() + "/status"; }
  std::string RecordTopic() const { return Base() + "/records"; }
  std::string EventTopic() const { return Base() + "/events"; }
};

/// The window as on the JSON lines, plus the wall-clock time of its end.
Json StateJson(const MeterSnapshot& s);
/// Every register in kilo-units (kWh, kvarh, kVAh; milli-unit resolution),
/// and the hour meters in seconds: the registers as last saved, so that a
/// total never goes backwards across a crash and restart.
Json EnergyJson(const MeterSnapshot& s);

struct Retained {
  std::string topic;
  std::string payload;
};
/// Home Assistant discovery: one retained config per quantity, under
/// DISCOVERY_PREFIX/sensor/NODE/OBJECT/config.
std::vector<Retained> DiscoveryConfigs(const MqttNaming& naming);

/// Notices a reset of the partial counters between two snapshots (every
/// partial counter and hour meter fell), so that it is published as an
/// event of its own rather than read as a total going backwards.
class PartialResetDetector {
 public:
  /// @returns true, with the event's payload, when `s` follows a reset.
  bool Feed(const MeterSnapshot& s, Json& event);

 private:
  bool have_ = false;
  std::uint64_t last_ = 0;
  std::uint64_t last_kwh_imp_ = 0;
};

/// Interval statistics, fed every snapshot; an interval is a span of wall
/// time aligned to multiples of its period.
class IntervalRecorder {
 public:
  explicit IntervalRecorder(double period_s) : period_s_(period_s) {}
  /// Feeds a snapshot with a new window. @returns true when the snapshot
  /// belongs to a later interval than the ones before: `finished` is then the
  /// record of the interval that ended (without its sequence number).
  bool Add(const MeterSnapshot& s, Json& finished);
  double period_s() const { return period_s_; }

 private:
  void Reset(double interval_start);

  double period_s_;
  bool open_ = false;
  double start_ = 0;
  long windows_ = 0;
  std::uint32_t flags_ = 0;
  RunningStat p_total_, pf_total_, f_;
  std::array<RunningStat, 3> v_, i_, p_, thd_v_, thd_i_;
  int phases_ = 0;
  EnergyState last_registers_{};
  double ticks_per_second_ = 0;
  double last_time_ = 0;
};

}  // namespace meter::interfaces
