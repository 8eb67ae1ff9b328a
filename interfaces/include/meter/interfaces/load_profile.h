#pragma once
// The load-profile logger: interval records of energy deltas and the
// average, minimum and maximum of P, Q, V, I, PF, f and THD, kept in SQLite
// (WAL, synchronous FULL: a power cut loses at most the interval in
// progress) for the HTTPS API's history and the dashboard's chart.
//
// Two periods are kept at once (by default 15 min for a year and 1 min for
// 31 days). The metering loop feeds every snapshot to OnSnapshot, which only
// updates the running statistics and, when an interval closes, pushes a
// fixed-size record onto a lock-free ring: the logger's own thread does the
// SQLite writes. So every window counts, whatever the replay speed, and a
// slow disk never costs the loop a sample (a full ring drops the record and
// counts it).

#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "meter/interfaces/running_stat.h"
#include "meter/interfaces/snapshot.h"

namespace meter::interfaces {

/// The energy registers a load-profile record keeps deltas of.
enum class ProfileEnergy : int {
  kKwhImp,
  kKwhExp,
  kKvarhImp,
  kKvarhExp,
  kKvah,
  kKvarhQ1,
  kKvarhQ2,
  kKvarhQ3,
  kKvarhQ4,
  kCount
};
/// The quantities a record keeps the average, minimum and maximum of.
enum class ProfileQuantity : int {
  kP,
  kQ,
  kS,
  kPf,
  kF,
  kVa,
  kVb,
  kVc,
  kIa,
  kIb,
  kIc,
  kThdVa,
  kThdVb,
  kThdVc,
  kThdIa,
  kThdIb,
  kThdIc,
  kCount
};
constexpr int kProfileEnergies = static_cast<int>(ProfileEnergy::kCount);
constexpr int kProfileQuantities = static_cast<int>(ProfileQuantity::kCount);
/// Column stems, in enum order: "kwh_imp", ..., "p_w", "v_a", ...
const char* ProfileEnergyName(int k);
const char* ProfileQuantityName(int k);

using ProfileStat = RunningStat;

struct ProfileRecord {
  std::int64_t period_s = 0;
  std::int64_t start_unix_s = 0;  ///< A multiple of period_s.
  std::int64_t windows = 0;
  std::uint32_t flags = 0;                                   ///< Every window flag raised in the interval.
  bool complete = false;                                     ///< False: the service stopped inside it.
  std::array<std::int64_t, kProfileEnergies> delta_milli{};  ///< mWh, mvarh, mVAh.
  std::array<ProfileStat, kProfileQuantities> stats{};
};

/// One period's running interval. Intervals are aligned to multiples of
/// the period on the sample clock (MeterSnapshot::sample_time_unix_s).
class ProfileAccumulator {
 public:
  explicit ProfileAccumulator(std::int64_t period_s) : period_s_(period_s) {}
  /// Feeds a snapshot. @returns true when it closed the interval before,
  /// which is then in `finished`. Energy deltas telescope: the first
  /// interval starts from the registers of the first snapshot fed.
  bool Add(const MeterSnapshot& s, ProfileRecord& finished);
  /// The interval in progress, marked incomplete (at a stop). @returns false
  /// when there is none.
  bool Flush(ProfileRecord& out);

 private:
  std::int64_t period_s_;
  bool have_registers_ = false;
  EnergyState previous_{};  ///< Registers at the last snapshot fed.
  bool open_ = false;
  ProfileRecord current_{};
};

/// Energy register value, milli-units, by ProfileEnergy.
std::int64_t ProfileEnergyMilli(const EnergyState& e, int k);

/// Single producer (the metering loop), single consumer (the logger thread).
template <typename T, std::size_t N>
class SpscRing {
  static_assert((N & (N - 1)) == 0, "N is a power of two");

 public:
  bool Push(const T& value) {
    const std::size_t head = head_.load(std::memory_order_relaxed);
    if (head - tail_.load(std::memory_order_acquire) == N) return false;
    slots_[head & (N - 1)] = value;
    head_.store(head + 1, std::memory_order_release);
    return true;
  }
  bool Pop(T& out) {
    const std::size_t tail = tail_.load(std::memory_order_relaxed);
    if (tail == head_.load(std::memory_order_acquire)) return false;
    out = slots_[tail & (N - 1)];
    tail_.store(tail + 1, std::memory_order_release);
    return true;
  }

 private:
  std::array<T, N> slots_{};
  std::atomic<std::size_t> head_{0};
  std::atomic<std::size_t> tail_{0};
};

struct LoadProfileOptions {
  std::string path;                  ///< SQLite file.
  std::int64_t period_s = 900;       ///< The load profile.
  std::int64_t short_period_s = 60;  ///< The fine one.
  double retention_days = 365;       ///< Of period_s records.
  double short_retention_days = 31;  ///< Of short_period_s records.
};

struct LoadProfileStats {
  std::atomic<std::uint64_t> written{0};
  std::atomic<std::uint64_t> dropped{0};  ///< Ring full: the disk fell behind.
  std::atomic<std::uint64_t> write_errors{0};
};

class LoadProfileLogger {
 public:
  LoadProfileLogger() = default;
  ~LoadProfileLogger() { Stop(); }
  LoadProfileLogger(const LoadProfileLogger&) = delete;
  LoadProfileLogger& operator=(const LoadProfileLogger&) = delete;

  /// Opens (creates) the database and starts the writer thread.
  bool Start(const LoadProfileOptions& options, std::string& why);
  /// Metering loop: every snapshot. Never blocks, unless lossless (below).
  void OnSnapshot(const MeterSnapshot& s);
  /// A file replayed as fast as possible has no real-time deadline: there
  /// the loop waits for room in the ring rather than drop a record.
  void set_lossless(bool lossless) { lossless_ = lossless; }
  /// Metering loop, at the end: the intervals in progress, as incomplete.
  void Flush();
  /// Writes what is queued and stops.
  void Stop();
  bool running() const { return thread_.joinable(); }
  const LoadProfileOptions& options() const { return options_; }
  const LoadProfileStats& stats() const { return stats_; }

 private:
  void Run();

  LoadProfileOptions options_;
  std::array<ProfileAccumulator, 2> accumulators_{ProfileAccumulator(900), ProfileAccumulator(60)};
  void Push(const ProfileRecord& record);
  SpscRing<ProfileRecord, 256> ring_;
  bool lossless_ = false;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  LoadProfileStats stats_;
};

/// A history request: records of `period_s` from the database, aggregated
/// to `step_s` (a multiple of the period), start times in [from, to).
struct HistoryRequest {
  std::int64_t from_unix_s = 0;
  std::int64_t to_unix_s = 0;
  std::int64_t step_s = 900;
};
struct HistoryRow {
  std::int64_t start_unix_s = 0;
  std::int64_t windows = 0;
  std::uint32_t flags = 0;
  bool complete = true;
  std::array<std::int64_t, kProfileEnergies> delta_milli{};
  /// avg, min, max per quantity; NaN where unknown.
  std::array<std::array<double, 3>, kProfileQuantities> stats{};
};

/// Reads history from the logger's database (its own connection, read
/// only; any thread). The step picks the table: the longest stored period
/// that divides it. @returns false with `why` (a message for a 400 when
/// `bad_request`, else a server error).
bool ReadHistory(const LoadProfileOptions& options, const HistoryRequest& request, std::vector<HistoryRow>& rows,
                 bool& bad_request, std::string& why);

}  // namespace meter::interfaces
