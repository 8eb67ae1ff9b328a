// The HTTPS API's pure parts and the load profile, without sockets: the
// history query parser, the failed-login limiter, the API's bodies, the
// interval accumulator (every window counted, deltas telescoping) and the
// SQLite round trip with aggregation to a coarser step.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <random>
#include <string>
#include <thread>

#include "meter/interfaces/http_api.h"
#include "meter/interfaces/load_profile.h"

namespace meter::interfaces {
namespace {

constexpr std::int64_t kNow = 1796601600;  // 2026-12-07T00:00:00Z

HistoryRequest Parse(const std::string& query) {
  HistoryRequest r;
  std::string why;
  EXPECT_TRUE(ParseHistoryQuery(query, kNow, 900, r, why)) << query << ": " << why;
  return r;
}

std::string ParseError(const std::string& query) {
  HistoryRequest r;
  std::string why;
  EXPECT_FALSE(ParseHistoryQuery(query, kNow, 900, r, why)) << query;
  return why;
}

TEST(HistoryQuery, DefaultsAreTheLastDayAtTheProfilePeriod) {
  const HistoryRequest r = Parse("");
  EXPECT_EQ(r.to_unix_s, kNow);
  EXPECT_EQ(r.from_unix_s, kNow - 86400);
  EXPECT_EQ(r.step_s, 900);
}

TEST(HistoryQuery, TimesAndSteps) {
  EXPECT_EQ(Parse("from=2026-12-06").from_unix_s, kNow - 86400);
  EXPECT_EQ(Parse("from=2026-12-06T23:00:00Z&to=2026-12-07").from_unix_s, kNow - 3600);
  EXPECT_EQ(Parse("from=1970-01-01T00:00:01Z&to=2").from_unix_s, 1);
  EXPECT_EQ(Parse("from=2024-02-29T12:00:00Z&to=2024-03-01&step=1h").from_unix_s, 1709208000);
  EXPECT_EQ(Parse("step=15min").step_s, 900);
  EXPECT_EQ(Parse("step=2h").step_s, 7200);
  EXPECT_EQ(Parse("step=1d&from=2026-01-01").step_s, 86400);
  EXPECT_EQ(Parse("step=60s").step_s, 60);
  EXPECT_EQ(Parse("step=60&").step_s, 60);
  EXPECT_EQ(Parse("from=%32%30%32%36-12-07&to=1796605200").from_unix_s, kNow);  // percent-encoded
}

TEST(HistoryQuery, ErrorsSayWhatIsWrong) {
  EXPECT_NE(ParseError("step=abc").find("step"), std::string::npos);
  EXPECT_NE(ParseError("from=yesterday").find("from"), std::string::npos);
  EXPECT_NE(ParseError("to=2026-13-01").find("to"), std::string::npos);
  EXPECT_NE(ParseError("from=2025-02-29").find("from"), std::string::npos);  // not a leap year
  EXPECT_NE(ParseError("from=5&to=5").find("before"), std::string::npos);
  EXPECT_NE(ParseError("from=0&to=4000000000&step=60").find("rows"), std::string::npos);
  EXPECT_NE(ParseError("frm=1").find("unknown"), std::string::npos);
  EXPECT_NE(ParseError("step=60&step=60").find("twice"), std::string::npos);
  EXPECT_NE(ParseError("from").find("key=value"), std::string::npos);
  for (const char* bad : {"step=0", "step=-60", "step=1y", "from=1e9", "from=%zz", "from=1%00", "from=%4", "step=367d",
                          "from=2026-12-07T24:00:00Z", "from=2026-12-07T10:00:00", "from=99999999999999999999"}) {
    ParseError(bad);
  }
}

TEST(HistoryQuery, RandomStringsNeverGiveAnOutOfBoundsRequest) {
  std::mt19937 rng(7);
  const std::string alphabet = "from=to&step%0123456789-:TZsminhd+";
  for (int k = 0; k < 20000; ++k) {
    std::string q;
    const int n = static_cast<int>(rng() % 40);
    for (int c = 0; c < n; ++c) q.push_back(alphabet[rng() % alphabet.size()]);
    HistoryRequest r;
    std::string why;
    if (ParseHistoryQuery(q, kNow, 900, r, why)) {
      ASSERT_LT(r.from_unix_s, r.to_unix_s) << q;
      ASSERT_GT(r.step_s, 0) << q;
      ASSERT_LE((r.to_unix_s - r.from_unix_s) / r.step_s, kMaxHistoryRows) << q;
    } else {
      ASSERT_FALSE(why.empty()) << q;
    }
  }
}

TEST(LoginLimiter, FiveFailuresAMinuteThenBlockedUntilTheOldestAgesOut) {
  LoginLimiter limiter;
  for (int k = 0; k < 5; ++k) {
    EXPECT_FALSE(limiter.Blocked("10.0.0.1", 100.0 + k));
    EXPECT_EQ(limiter.Failed("10.0.0.1", 100.0 + k), k + 1);
  }
  EXPECT_TRUE(limiter.Blocked("10.0.0.1", 105.0));
  EXPECT_FALSE(limiter.Blocked("10.0.0.2", 105.0));  // per address
  EXPECT_TRUE(limiter.Blocked("10.0.0.1", 159.9));
  EXPECT_FALSE(limiter.Blocked("10.0.0.1", 160.0));  // the first failure aged out
}

TEST(LoginLimiter, ManyAddressesDoNotGrowWithoutBound) {
  LoginLimiter limiter(5, 60.0, 16);
  for (int k = 0; k < 1000; ++k) limiter.Failed("addr" + std::to_string(k), k);
  for (int k = 0; k < 5; ++k) limiter.Failed("last", 1000.0);
  EXPECT_TRUE(limiter.Blocked("last", 1000.0));
  EXPECT_FALSE(limiter.Blocked("addr0", 1000.0));
}

TEST(ConstantTimeEqual, ComparesWholeStrings) {
  EXPECT_TRUE(ConstantTimeEqual("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEqual("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEqual("abc", "abcd"));
  EXPECT_FALSE(ConstantTimeEqual("", "a"));
  EXPECT_TRUE(ConstantTimeEqual("", ""));
}

MeterSnapshot SnapshotAt(double t, float p_w, std::uint64_t kwh_imp_milli, std::uint32_t sequence) {
  MeterSnapshot s;
  s.registers_ready = true;
  s.has_window = true;
  s.window_is_new = true;
  s.sample_time_unix_s = t;
  s.time_unix_s = t;
  s.window.sequence = sequence;
  s.window.phase_count = 3;
  s.window.total.p_w = p_w;
  s.window.total.pf = 1.0f;
  s.window.f_hz = 50.0f;
  for (auto& ph : s.window.phases) ph.v_rms = 230.0f;
  s.registers.total.kwh_imp.Restore(kwh_imp_milli, 0);
  return s;
}

TEST(ProfileAccumulator, EveryWindowCountsAndDeltasTelescope) {
  ProfileAccumulator acc(60);
  std::vector<ProfileRecord> done;
  ProfileRecord r;
  std::uint64_t milli = 5000;  // restored registers: not energy of this run
  MeterSnapshot start = SnapshotAt(kNow + 10.0, 0.0f, milli, 0);
  start.has_window = start.window_is_new = false;
  EXPECT_FALSE(acc.Add(start, r));
  for (int k = 1; k <= 1000; ++k) {
    milli += static_cast<std::uint64_t>(k % 7);
    if (acc.Add(SnapshotAt(kNow + 10.0 + 0.2 * k, static_cast<float>(k), milli, static_cast<std::uint32_t>(k)), r)) {
      done.push_back(r);
    }
  }
  ASSERT_TRUE(acc.Flush(r));
  EXPECT_FALSE(r.complete);
  done.push_back(r);
  EXPECT_FALSE(acc.Flush(r));
  // 10.2 s .. 210 s after the hour: intervals starting at 0, 60, 120, 180.
  ASSERT_EQ(done.size(), 4u);
  std::int64_t energy = 0, windows = 0;
  for (std::size_t k = 0; k < done.size(); ++k) {
    EXPECT_EQ(done[k].start_unix_s, kNow + 60 * static_cast<std::int64_t>(k));
    EXPECT_EQ(done[k].complete, k + 1 < done.size());
    energy += done[k].delta_milli[static_cast<std::size_t>(ProfileEnergy::kKwhImp)];
    windows += done[k].windows;
  }
  EXPECT_EQ(energy, static_cast<std::int64_t>(milli - 5000));
  EXPECT_EQ(windows, 1000);
  const ProfileStat& p = done[1].stats[static_cast<std::size_t>(ProfileQuantity::kP)];
  EXPECT_EQ(p.min, 250.0);  // t = 60 s is window 250
  EXPECT_EQ(p.max, 549.0);
  EXPECT_EQ(p.n, 300);
  // Phases that do not exist are unknown, not zero.
  EXPECT_EQ(done[1].stats[static_cast<std::size_t>(ProfileQuantity::kVa)].n, 300);
}

TEST(ProfileAccumulator, NothingBeforeTheRegistersAreRestored) {
  ProfileAccumulator acc(60);
  ProfileRecord r;
  MeterSnapshot s = SnapshotAt(kNow, 1.0f, 0, 1);
  s.registers_ready = false;
  EXPECT_FALSE(acc.Add(s, r));
  EXPECT_FALSE(acc.Flush(r));
}

TEST(SpscRing, KeepsOrderAndRefusesWhenFull) {
  SpscRing<int, 4> ring;
  for (int k = 0; k < 4; ++k) EXPECT_TRUE(ring.Push(k));
  EXPECT_FALSE(ring.Push(99));
  int v = -1;
  for (int k = 0; k < 4; ++k) {
    EXPECT_TRUE(ring.Pop(v));
    EXPECT_EQ(v, k);
  }
  EXPECT_FALSE(ring.Pop(v));
  // Two threads: every value arrives once, in order.
  SpscRing<int, 64> shared;
  std::thread producer([&] {
    for (int k = 0; k < 100000; ++k) {
      while (!shared.Push(k)) std::this_thread::yield();
    }
  });
  int expected = 0;
  while (expected < 100000) {
    if (shared.Pop(v)) {
      ASSERT_EQ(v, expected);
      ++expected;
    }
  }
  producer.join();
}

TEST(LoadProfile, WrittenReadBackAndAggregated) {
  char dir[] = "/tmp/meter-profile-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  LoadProfileOptions options;
  options.path = std::string(dir) + "/profile.sqlite";
  options.period_s = 900;
  options.short_period_s = 60;
  std::uint64_t milli = 0;
  {
    LoadProfileLogger logger;
    std::string why;
    logger.set_lossless(true);  // as a replay at full speed: the loop waits for the disk
    ASSERT_TRUE(logger.Start(options, why)) << why;
    // One hour of windows every 0.2 s, P rising.
    for (int k = 0; k <= 18000; ++k) {
      milli += 3;
      logger.OnSnapshot(
          SnapshotAt(static_cast<double>(kNow) + 0.2 * k, static_cast<float>(k), milli, static_cast<std::uint32_t>(k)));
    }
    logger.Flush();
    logger.Stop();
    EXPECT_EQ(logger.stats().dropped.load(), 0u);
    EXPECT_EQ(logger.stats().write_errors.load(), 0u);
  }
  const auto read = [&](std::int64_t step) {
    HistoryRequest request;
    request.from_unix_s = kNow - 3600;
    request.to_unix_s = kNow + 7200;
    request.step_s = step;
    std::vector<HistoryRow> rows;
    bool bad = false;
    std::string why;
    EXPECT_TRUE(ReadHistory(options, request, rows, bad, why)) << why;
    return rows;
  };
  const auto minutes = read(60);
  const auto quarters = read(900);
  const auto hours = read(3600);
  const auto pairs = read(120);    // aggregated from the 1-minute records
  ASSERT_EQ(minutes.size(), 61u);  // 60 complete, and the one the last window opened
  ASSERT_EQ(quarters.size(), 5u);
  ASSERT_EQ(hours.size(), 2u);
  ASSERT_EQ(pairs.size(), 31u);
  for (const auto* rows : {&minutes, &quarters, &hours, &pairs}) {
    std::int64_t energy = 0, windows = 0;
    for (const HistoryRow& r : *rows) {
      energy += r.delta_milli[0];
      windows += r.windows;
    }
    EXPECT_EQ(energy, static_cast<std::int64_t>(milli) - 3);  // the first snapshot is the starting point
    EXPECT_EQ(windows, 18001);
  }
  const auto& p = hours[0].stats[static_cast<std::size_t>(ProfileQuantity::kP)];
  EXPECT_EQ(p[1], 0.0);
  EXPECT_EQ(p[2], 17999.0);
  EXPECT_NEAR(p[0], 8999.5, 1e-6);  // averages weighed by their counts
  EXPECT_FALSE(minutes.back().complete);
  EXPECT_TRUE(std::isnan(minutes[0].stats[static_cast<std::size_t>(ProfileQuantity::kIa)][0]) == false);
  // A step that no stored period divides is the caller's error.
  HistoryRequest odd{kNow, kNow + 3600, 90};
  std::vector<HistoryRow> rows;
  bool bad = false;
  std::string why;
  EXPECT_FALSE(ReadHistory(options, odd, rows, bad, why));
  EXPECT_TRUE(bad);
  // CSV: a header and one line per row, the energy first.
  const std::string csv = HistoryCsv(hours);
  EXPECT_EQ(csv.rfind("start_unix_s,windows,complete,flags,d_kwh_imp_milli,", 0), 0u);
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 3);
  std::remove(options.path.c_str());
}

TEST(ApiBodies, NoTotalBeforeTheRegistersAreRestored) {
  MeterSnapshot s;
  s.registers.total.kwh_imp.Restore(123456, 0);
  Json j = EnergyApiJson(s);
  EXPECT_FALSE(j["ready"].get<bool>());
  EXPECT_FALSE(j.contains("milli"));
  s.registers_ready = true;
  j = EnergyApiJson(s);
  EXPECT_EQ(j["milli"]["kwh_imp"].get<std::uint64_t>(), 123456u);
  EXPECT_DOUBLE_EQ(j["kilo"]["kwh_imp"].get<double>(), 0.123456);
  const Json status = StatusJson(MeterSnapshot{});
  EXPECT_TRUE(status["sequence"].is_null());
  EXPECT_EQ(HarmonicsJson(MeterSnapshot{})["channels"].size(), 0u);
}

}  // namespace
}  // namespace meter::interfaces
