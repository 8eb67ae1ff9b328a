// MQTT payloads, property-tested with random snapshots (NaN values,
// undefined PF, every wiring): always valid JSON with the expected fields;
// interval records; the store-and-forward queue.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <limits>
#include <random>
#include <set>

#include "meter/interfaces/mqtt_payloads.h"
#include "meter/interfaces/record_queue.h"

namespace meter::interfaces {
namespace {

float RandomValue(std::mt19937& rng) {
  std::uniform_int_distribution<int> kind(0, 9);
  std::uniform_real_distribution<float> value(-1e6f, 1e6f);
  switch (kind(rng)) {
    case 0:
      return std::numeric_limits<float>::quiet_NaN();
    case 1:
      return std::numeric_limits<float>::infinity();
    case 2:
      return -std::numeric_limits<float>::infinity();
    case 3:
      return std::numeric_limits<float>::denorm_min();
    case 4:
      return 3.4e38f;
    default:
      return value(rng);
  }
}

MeterSnapshot RandomSnapshot(std::mt19937& rng) {
  MeterSnapshot s;
  s.wiring = static_cast<Wiring>(rng() % 5);
  s.registers_ready = true;
  s.has_window = true;
  s.time_unix_s = 1.7e9 + (rng() % 100000) * 0.37;
  s.ticks_per_second = 57.6e6;
  WindowResult& w = s.window;
  w.sequence = rng();
  w.phase_count = PhaseCount(s.wiring);
  w.line_to_line_count = LineToLineCount(s.wiring);
  w.has_neutral = HasNeutral(s.wiring);
  w.has_unbalance = HasUnbalance(s.wiring);
  w.flags = rng();
  w.f_hz = RandomValue(rng);
  for (auto& p : w.phases) {
    for (float* x :
         {&p.v_rms, &p.i_rms, &p.p_w, &p.q_var, &p.s_va, &p.pf, &p.p1_w, &p.q1_var, &p.thd_v_pct, &p.thd_i_pct}) {
      *x = RandomValue(rng);
    }
  }
  for (float& x : w.v_ll_rms) x = RandomValue(rng);
  w.total.p_w = RandomValue(rng);
  w.total.pf = std::numeric_limits<float>::quiet_NaN();  // undefined PF
  const std::uint64_t big = (static_cast<std::uint64_t>(rng()) << 32) | rng();
  s.saved_registers.total.kwh_imp.Restore(big >> (rng() % 64), 0);
  s.saved_registers.phases[2].kvarh_exp.Restore(rng(), 0);
  s.saved_registers.import_ticks = big;
  return s;
}

TEST(MqttPayloads, RandomSnapshotsGiveValidJson) {
  std::mt19937 rng(26);
  for (int k = 0; k < 2000; ++k) {
    const MeterSnapshot s = RandomSnapshot(rng);
    const std::string state = StateJson(s).dump();
    const std::string energy = EnergyJson(s).dump();
    const Json parsed_state = Json::parse(state);  // throws on invalid JSON
    const Json parsed_energy = Json::parse(energy);
    ASSERT_EQ(parsed_state["sequence"], s.window.sequence);
    ASSERT_EQ(parsed_state["phases"].size(), static_cast<std::size_t>(PhaseCount(s.wiring)));
    ASSERT_TRUE(parsed_state["total"]["pf"].is_null());
    ASSERT_EQ(parsed_energy["phases"].size(), static_cast<std::size_t>(PhaseCount(s.wiring)));
    ASSERT_EQ(parsed_energy["kwh_imp"].get<double>(),
              static_cast<double>(s.saved_registers.total.kwh_imp.milli()) / 1e6);
    // Non-finite values are null, never NaN/Infinity tokens.
    ASSERT_EQ(state.find("nan"), std::string::npos);
    ASSERT_EQ(state.find("inf"), std::string::npos);
  }
}

TEST(MqttPayloads, DiscoveryForEveryWiringIsValidForHomeAssistant) {
  for (const auto& [wiring, name] : kWiringNames) {
    MqttNaming naming;
    naming.serial = "SN1";
    naming.version = "0.1.0";
    naming.wiring = wiring;
    const auto configs = DiscoveryConfigs(naming);
    EXPECT_EQ(configs.size(), 7u + 3u * static_cast<std::size_t>(PhaseCount(wiring))) << name;
    std::set<std::string> ids;
    for (const Retained& r : configs) {
      const Json c = Json::parse(r.payload);
      EXPECT_TRUE(ids.insert(c["unique_id"].get<std::string>()).second) << "unique ids are unique";
      EXPECT_EQ(r.topic,
                "homeassistant/sensor/meter_core_SN1/" + c["unique_id"].get<std::string>().substr(15) + "/config");
      const std::string cls = c["device_class"];
      if (cls == "energy") {
        EXPECT_EQ(c["state_class"], "total_increasing");
        EXPECT_EQ(c["unit_of_measurement"], "kWh");
        EXPECT_EQ(c["state_topic"], "meter-core/SN1/energy");
      } else {
        EXPECT_EQ(c["state_class"], "measurement");
        EXPECT_EQ(c["state_topic"], "meter-core/SN1/state");
      }
      EXPECT_EQ(c["availability_topic"], "meter-core/SN1/status");
      EXPECT_EQ(c["device"]["identifiers"][0], "meter_core_SN1");
    }
  }
}

TEST(MqttPayloads, IntervalRecordsAverageMinMaxAndAlign) {
  IntervalRecorder recorder(60.0);
  MeterSnapshot s;
  s.wiring = Wiring::k1P2W;
  s.window.phase_count = 1;
  s.ticks_per_second = 57.6e6;
  Json record;
  const float powers[] = {100.0f, 300.0f, std::numeric_limits<float>::quiet_NaN(), 200.0f};
  constexpr double kMinute = 1699999980.0;  // a multiple of 60 s
  double t = kMinute + 10.0;                // 10 s into that minute
  for (const float p : powers) {
    s.time_unix_s = t;
    s.window.total.p_w = p;
    s.window.phases[0].v_rms = 230.0f;
    s.saved_registers.total.kwh_imp.Restore(static_cast<std::uint64_t>(t), 0);
    EXPECT_FALSE(recorder.Add(s, record));
    t += 10.0;
  }
  s.time_unix_s = kMinute + 61.0;  // the next minute: the first record closes
  ASSERT_TRUE(recorder.Add(s, record));
  EXPECT_EQ(record["start_unix_s"], kMinute);
  EXPECT_EQ(record["end_unix_s"], kMinute + 60.0);
  EXPECT_EQ(record["windows"], 4);
  EXPECT_EQ(record["p_w"]["avg"], 200.0);
  EXPECT_EQ(record["p_w"]["min"], 100.0);
  EXPECT_EQ(record["p_w"]["max"], 300.0);
  EXPECT_EQ(record["v_rms"][0]["avg"], 230.0);
  EXPECT_EQ(record["registers"]["kwh_imp"], static_cast<double>(static_cast<std::uint64_t>(kMinute + 40.0)) / 1e6);
}

TEST(MqttPayloads, PartialResetIsAnEventNotATotalGoingBackwards) {
  PartialResetDetector detector;
  Json event;
  MeterSnapshot s;
  s.registers.partial.kwh_imp.Restore(5000, 0);
  EXPECT_FALSE(detector.Feed(s, event));  // not restored yet: nothing is known
  s.registers_ready = true;
  s.time_unix_s = 1796601600.25;
  EXPECT_FALSE(detector.Feed(s, event));  // the first snapshot: a starting point
  s.registers.partial.kwh_imp.Restore(5100, 0);
  s.registers.total.kwh_imp.Restore(9000, 0);
  EXPECT_FALSE(detector.Feed(s, event));  // growing
  // Reset: the partial counters and hour meters go to zero, the totals stay.
  s.registers.partial = EnergyState::Set{};
  EXPECT_TRUE(detector.Feed(s, event));
  EXPECT_EQ(event["event"], "partial_reset");
  EXPECT_DOUBLE_EQ(event["time_unix_s"].get<double>(), 1796601600.25);
  EXPECT_DOUBLE_EQ(event["partial_before"]["kwh_imp"].get<double>(), 0.0051);
  EXPECT_FALSE(detector.Feed(s, event));  // once
  // A reset of partials that held only reactive energy or time is seen too.
  s.registers.partial.kvarh_exp.Restore(7, 0);
  s.registers.partial_import_ticks = 123456;
  EXPECT_FALSE(detector.Feed(s, event));
  s.registers.partial.kvarh_exp.Restore(0, 0);
  s.registers.partial_import_ticks = 0;
  EXPECT_TRUE(detector.Feed(s, event));
}

TEST(RecordQueue, OrderBoundDropsAndReopen) {
  const auto path = std::filesystem::temp_directory_path() / "meter-record-queue-test.sqlite";
  std::filesystem::remove(path);
  std::string why;
  {
    RecordQueue q;
    ASSERT_TRUE(q.Open(path.string(), 10, why)) << why;
    for (int k = 0; k < 15; ++k)
      ASSERT_EQ(q.Append("{\"k\":" + std::to_string(k) + "}", why), static_cast<std::uint64_t>(k + 1));
    EXPECT_EQ(q.size(), 10);
    EXPECT_EQ(q.dropped(), 5u);
    const auto next = q.Next(0, 3);
    ASSERT_EQ(next.size(), 3u);
    EXPECT_EQ(next[0].seq, 6u);  // the oldest five were dropped
    EXPECT_EQ(next[0].payload, "{\"seq\":6,\"k\":5}");
    q.Remove(6);
    EXPECT_EQ(q.Next(0, 1)[0].seq, 7u);
    EXPECT_EQ(q.Next(8, 1)[0].seq, 9u);
  }
  RecordQueue reopened;
  ASSERT_TRUE(reopened.Open(path.string(), 10, why));
  EXPECT_EQ(reopened.size(), 9);
  EXPECT_EQ(reopened.dropped(), 5u);
  EXPECT_EQ(reopened.Append("{}", why), 16u);  // numbering survives
  EXPECT_EQ(reopened.Next(15, 1)[0].payload, "{\"seq\":16}");
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace meter::interfaces
