#include "meter/interfaces/load_profile.h"

#include <sqlite3.h>

#include <chrono>
#include <cmath>
#include <iostream>
#include <limits>

namespace meter::interfaces {

namespace {

constexpr const char* kEnergyNames[kProfileEnergies] = {"kwh_imp",  "kwh_exp",  "kvarh_imp", "kvarh_exp", "kvah",
                                                        "kvarh_q1", "kvarh_q2", "kvarh_q3",  "kvarh_q4"};
constexpr const char* kQuantityNames[kProfileQuantities] = {
    "p_w", "q_var", "s_va",    "pf",      "f_hz",    "v_a",     "v_b",     "v_c",    "i_a",
    "i_b", "i_c",   "thd_v_a", "thd_v_b", "thd_v_c", "thd_i_a", "thd_i_b", "thd_i_c"};

float QuantityOf(const WindowResult& w, int k) {
  const auto phase = [&](int p) -> const PhaseValues* {
    return p < w.phase_count ? &w.phases[static_cast<std::size_t>(p)] : nullptr;
  };
  constexpr float kNone = std::numeric_limits<float>::quiet_NaN();
  switch (static_cast<ProfileQuantity>(k)) {
    case ProfileQuantity::kP:
      return w.total.p_w;
    case ProfileQuantity::kQ:
      return w.total.q_var;
    case ProfileQuantity::kS:
      return w.total.s_va;
    case ProfileQuantity::kPf:
      return w.total.pf;
    case ProfileQuantity::kF:
      return w.f_hz;
    default:
      break;
  }
  const int group = (k - static_cast<int>(ProfileQuantity::kVa)) / 3;
  const PhaseValues* p = phase((k - static_cast<int>(ProfileQuantity::kVa)) % 3);
  if (p == nullptr) return kNone;
  switch (group) {
    case 0:
      return p->v_rms;
    case 1:
      return p->i_rms;
    case 2:
      return p->thd_v_pct;
    default:
      return p->thd_i_pct;
  }
}

bool Exec(sqlite3* db, const std::string& sql, std::string& why) {
  char* error = nullptr;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
    why = error != nullptr ? error : "sqlite error";
    sqlite3_free(error);
    return false;
  }
  return true;
}

std::string CreateTableSql() {
  std::string sql =
      "CREATE TABLE IF NOT EXISTS profile (period_s INTEGER NOT NULL, start_unix_s INTEGER NOT NULL, "
      "windows INTEGER NOT NULL, flags INTEGER NOT NULL, complete INTEGER NOT NULL";
  for (const char* e : kEnergyNames) sql += std::string(", d_") + e + " INTEGER NOT NULL";
  for (const char* q : kQuantityNames) {
    sql += std::string(", ") + q + "_avg REAL, " + q + "_min REAL, " + q + "_max REAL, " + q + "_n INTEGER NOT NULL";
  }
  return sql + ", PRIMARY KEY (period_s, start_unix_s)) WITHOUT ROWID";
}

// A second record for one interval (the service restarted inside it) is
// merged: deltas add up, extremes combine, averages weigh by their counts.
std::string UpsertSql() {
  std::string columns = "period_s, start_unix_s, windows, flags, complete";
  std::string values = "?, ?, ?, ?, ?";
  std::string merge =
      "windows = windows + excluded.windows, flags = flags | excluded.flags, complete = excluded.complete";
  for (const char* e : kEnergyNames) {
    const std::string c = std::string("d_") + e;
    columns += ", " + c;
    values += ", ?";
    merge += ", " + c + " = " + c + " + excluded." + c;
  }
  for (const char* q : kQuantityNames) {
    const std::string s = q;
    columns += ", " + s + "_avg, " + s + "_min, " + s + "_max, " + s + "_n";
    values += ", ?, ?, ?, ?";
    merge += ", " + s + "_avg = CASE WHEN " + s + "_n + excluded." + s + "_n = 0 THEN NULL ELSE (coalesce(" + s +
             "_avg * " + s + "_n, 0) + coalesce(excluded." + s + "_avg * excluded." + s + "_n, 0)) / (" + s +
             "_n + excluded." + s + "_n) END";
    merge +=
        ", " + s + "_min = coalesce(min(" + s + "_min, excluded." + s + "_min), " + s + "_min, excluded." + s + "_min)";
    merge +=
        ", " + s + "_max = coalesce(max(" + s + "_max, excluded." + s + "_max), " + s + "_max, excluded." + s + "_max)";
    merge += ", " + s + "_n = " + s + "_n + excluded." + s + "_n";
  }
  return "INSERT INTO profile (" + columns + ") VALUES (" + values +
         ") ON CONFLICT (period_s, start_unix_s) DO UPDATE SET " + merge;
}

bool WriteRecord(sqlite3* db, sqlite3_stmt* st, const ProfileRecord& r) {
  sqlite3_reset(st);
  int i = 1;
  bool ok = sqlite3_bind_int64(st, i++, r.period_s) == SQLITE_OK;
  ok = ok && sqlite3_bind_int64(st, i++, r.start_unix_s) == SQLITE_OK;
  ok = ok && sqlite3_bind_int64(st, i++, r.windows) == SQLITE_OK;
  ok = ok && sqlite3_bind_int64(st, i++, static_cast<sqlite3_int64>(r.flags)) == SQLITE_OK;
  ok = ok && sqlite3_bind_int(st, i++, r.complete ? 1 : 0) == SQLITE_OK;
  for (const std::int64_t d : r.delta_milli) ok = ok && sqlite3_bind_int64(st, i++, d) == SQLITE_OK;
  for (const ProfileStat& s : r.stats) {
    if (s.n == 0) {
      for (int k = 0; k < 3; ++k) ok = ok && sqlite3_bind_null(st, i++) == SQLITE_OK;
    } else {
      ok = ok && sqlite3_bind_double(st, i++, s.average()) == SQLITE_OK;
      ok = ok && sqlite3_bind_double(st, i++, s.min) == SQLITE_OK;
      ok = ok && sqlite3_bind_double(st, i++, s.max) == SQLITE_OK;
    }
    ok = ok && sqlite3_bind_int64(st, i++, s.n) == SQLITE_OK;
  }
  (void)db;
  return ok && sqlite3_step(st) == SQLITE_DONE;
}

double WallClock() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

const char* ProfileEnergyName(int k) { return k >= 0 && k < kProfileEnergies ? kEnergyNames[k] : ""; }
const char* ProfileQuantityName(int k) { return k >= 0 && k < kProfileQuantities ? kQuantityNames[k] : ""; }

std::int64_t ProfileEnergyMilli(const EnergyState& e, int k) {
  const auto& t = e.total;
  std::uint64_t v = 0;
  switch (static_cast<ProfileEnergy>(k)) {
    case ProfileEnergy::kKwhImp:
      v = t.kwh_imp.milli();
      break;
    case ProfileEnergy::kKwhExp:
      v = t.kwh_exp.milli();
      break;
    case ProfileEnergy::kKvarhImp:
      v = t.kvarh_imp.milli();
      break;
    case ProfileEnergy::kKvarhExp:
      v = t.kvarh_exp.milli();
      break;
    case ProfileEnergy::kKvah:
      v = t.kvah.milli();
      break;
    default:
      v = t.kvarh_q[static_cast<std::size_t>(k - static_cast<int>(ProfileEnergy::kKvarhQ1))].milli();
      break;
  }
  return static_cast<std::int64_t>(v);
}

bool ProfileAccumulator::Add(const MeterSnapshot& s, ProfileRecord& finished) {
  if (!s.registers_ready) return false;
  if (!have_registers_) {
    previous_ = s.registers;
    have_registers_ = true;
  }
  bool closed = false;
  const auto start =
      static_cast<std::int64_t>(std::floor(s.sample_time_unix_s / static_cast<double>(period_s_))) * period_s_;
  if (open_ && start != current_.start_unix_s) {
    current_.complete = true;
    finished = current_;
    closed = true;
    open_ = false;
  }
  if (!open_) {
    current_ = ProfileRecord{};
    current_.period_s = period_s_;
    current_.start_unix_s = start;
    open_ = true;
  }
  // Energy since the snapshot before goes to this interval; a register that
  // went backwards (cannot happen in one run) would give a negative delta
  // that the record shows rather than hides.
  for (int k = 0; k < kProfileEnergies; ++k) {
    current_.delta_milli[static_cast<std::size_t>(k)] +=
        ProfileEnergyMilli(s.registers, k) - ProfileEnergyMilli(previous_, k);
  }
  previous_ = s.registers;
  if (s.has_window && s.window_is_new) {
    ++current_.windows;
    current_.flags |= s.window.flags;
    for (int k = 0; k < kProfileQuantities; ++k)
      current_.stats[static_cast<std::size_t>(k)].Add(QuantityOf(s.window, k));
  }
  return closed;
}

bool ProfileAccumulator::Flush(ProfileRecord& out) {
  if (!open_) return false;
  current_.complete = false;
  out = current_;
  open_ = false;
  return true;
}

bool LoadProfileLogger::Start(const LoadProfileOptions& options, std::string& why) {
  options_ = options;
  if (options.period_s <= 0 || options.short_period_s <= 0) {
    why = "periods must be positive";
    return false;
  }
  accumulators_ = {ProfileAccumulator(options.period_s), ProfileAccumulator(options.short_period_s)};
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(options.path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) != SQLITE_OK) {
    why = options.path + ": " + (db != nullptr ? sqlite3_errmsg(db) : "cannot open");
    sqlite3_close(db);
    return false;
  }
  const bool ok = Exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; " + CreateTableSql(), why);
  sqlite3_close(db);
  if (!ok) {
    why = options.path + ": " + why;
    return false;
  }
  stop_ = false;
  thread_ = std::thread([this] { Run(); });
  return true;
}

void LoadProfileLogger::OnSnapshot(const MeterSnapshot& s) {
  if (!running()) return;
  for (auto& accumulator : accumulators_) {
    ProfileRecord finished;
    if (accumulator.Add(s, finished)) Push(finished);
  }
}

void LoadProfileLogger::Push(const ProfileRecord& record) {
  while (!ring_.Push(record)) {
    if (!lossless_) {
      stats_.dropped.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

void LoadProfileLogger::Flush() {
  if (!running()) return;
  for (auto& accumulator : accumulators_) {
    ProfileRecord partial;
    if (accumulator.Flush(partial)) Push(partial);
  }
}

void LoadProfileLogger::Stop() {
  if (!thread_.joinable()) return;
  stop_ = true;
  thread_.join();
}

void LoadProfileLogger::Run() {
  sqlite3* db = nullptr;
  std::string why;
  if (sqlite3_open_v2(options_.path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
    std::cerr << "meter-linux: load profile: " << options_.path << ": " << (db ? sqlite3_errmsg(db) : "cannot open")
              << "\n";
    sqlite3_close(db);
    return;
  }
  sqlite3_busy_timeout(db, 2000);
  Exec(db, "PRAGMA synchronous=FULL", why);
  sqlite3_stmt* upsert = nullptr;
  sqlite3_stmt* expire = nullptr;
  if (sqlite3_prepare_v2(db, UpsertSql().c_str(), -1, &upsert, nullptr) != SQLITE_OK ||
      sqlite3_prepare_v2(db, "DELETE FROM profile WHERE period_s = ? AND start_unix_s < ?", -1, &expire, nullptr) !=
          SQLITE_OK) {
    std::cerr << "meter-linux: load profile: " << sqlite3_errmsg(db) << "\n";
  }
  bool logged_error = false;
  for (;;) {
    const bool stopping = stop_.load();
    ProfileRecord record;
    bool any = false;
    while (ring_.Pop(record)) {
      any = true;
      if (upsert != nullptr && WriteRecord(db, upsert, record)) {
        stats_.written.fetch_add(1, std::memory_order_relaxed);
      } else {
        stats_.write_errors.fetch_add(1, std::memory_order_relaxed);
        if (!logged_error) std::cerr << "meter-linux: load profile: write failed: " << sqlite3_errmsg(db) << "\n";
        logged_error = true;
      }
    }
    if (any && expire != nullptr) {
      const double now = WallClock();
      const std::pair<std::int64_t, double> rules[2] = {{options_.period_s, options_.retention_days},
                                                        {options_.short_period_s, options_.short_retention_days}};
      for (const auto& [period, days] : rules) {
        sqlite3_reset(expire);
        sqlite3_bind_int64(expire, 1, period);
        sqlite3_bind_int64(expire, 2, static_cast<sqlite3_int64>(now - days * 86400.0));
        sqlite3_step(expire);
      }
    }
    if (stopping) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  sqlite3_finalize(upsert);
  sqlite3_finalize(expire);
  sqlite3_close(db);
}

bool ReadHistory(const LoadProfileOptions& options, const HistoryRequest& request, std::vector<HistoryRow>& rows,
                 bool& bad_request, std::string& why) {
  bad_request = true;
  std::int64_t period = 0;
  for (const std::int64_t p : {options.period_s, options.short_period_s}) {
    if (p > 0 && request.step_s % p == 0 && p > period) period = p;
  }
  if (period == 0) {
    why = "step must be a multiple of " + std::to_string(options.short_period_s) + " or " +
          std::to_string(options.period_s) + " s (the stored periods)";
    return false;
  }
  bad_request = false;
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(options.path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    why = "load profile: " + std::string(db != nullptr ? sqlite3_errmsg(db) : "cannot open");
    sqlite3_close(db);
    return false;
  }
  sqlite3_busy_timeout(db, 2000);
  // Buckets of `step`: deltas add up, extremes combine, averages weigh by
  // their counts.
  std::string sql = "SELECT (start_unix_s / ?1) * ?1 AS bucket, sum(windows), group_concat(flags), min(complete)";
  for (const char* e : kEnergyNames) sql += std::string(", sum(d_") + e + ")";
  for (const char* q : kQuantityNames) {
    const std::string s = q;
    sql += ", sum(" + s + "_avg * " + s + "_n) / nullif(sum(" + s + "_n), 0), min(" + s + "_min), max(" + s + "_max)";
  }
  sql +=
      " FROM profile WHERE period_s = ?2 AND start_unix_s >= ?3 AND start_unix_s < ?4 GROUP BY bucket ORDER BY bucket";
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) {
    why = "load profile: " + std::string(sqlite3_errmsg(db));
    sqlite3_close(db);
    return false;
  }
  sqlite3_bind_int64(st, 1, request.step_s);
  sqlite3_bind_int64(st, 2, period);
  sqlite3_bind_int64(st, 3, request.from_unix_s);
  sqlite3_bind_int64(st, 4, request.to_unix_s);
  rows.clear();
  int rc = SQLITE_ROW;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    HistoryRow row;
    int c = 0;
    row.start_unix_s = sqlite3_column_int64(st, c++);
    row.windows = sqlite3_column_int64(st, c++);
    // Flags: OR of the comma-separated list (SQLite has no bitwise aggregate).
    if (const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(st, c++))) {
      std::uint64_t value = 0;
      for (const char* p = text;; ++p) {
        if (*p >= '0' && *p <= '9') {
          value = value * 10 + static_cast<std::uint64_t>(*p - '0');
        } else {
          row.flags |= static_cast<std::uint32_t>(value);
          value = 0;
          if (*p == '\0') break;
        }
      }
    }
    row.complete = sqlite3_column_int(st, c++) != 0;
    for (auto& d : row.delta_milli) d = sqlite3_column_int64(st, c++);
    for (auto& q : row.stats) {
      for (double& v : q) {
        v = sqlite3_column_type(st, c) == SQLITE_NULL ? std::numeric_limits<double>::quiet_NaN()
                                                      : sqlite3_column_double(st, c);
        ++c;
      }
    }
    rows.push_back(row);
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  if (rc != SQLITE_DONE) {
    why = "load profile: read failed";
    return false;
  }
  return true;
}

}  // namespace meter::interfaces
