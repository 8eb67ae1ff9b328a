#include "meter/interfaces/record_queue.h"

#include <sqlite3.h>

namespace meter::interfaces {

RecordQueue::~RecordQueue() {
  if (db_ != nullptr) sqlite3_close(db_);
}

bool RecordQueue::Exec(const char* sql, std::string& why) {
  char* error = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &error) != SQLITE_OK) {
    why = error != nullptr ? error : "sqlite error";
    sqlite3_free(error);
    return false;
  }
  return true;
}

std::int64_t RecordQueue::Scalar(const char* sql) {
  sqlite3_stmt* st = nullptr;
  std::int64_t value = 0;
  if (sqlite3_prepare_v2(db_, sql, -1, &st, nullptr) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
    value = sqlite3_column_int64(st, 0);
  }
  sqlite3_finalize(st);
  return value;
}

bool RecordQueue::Open(const std::string& path, std::int64_t max_records, std::string& why) {
  max_records_ = max_records;
  if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                      nullptr) != SQLITE_OK) {
    why = path + ": " + (db_ != nullptr ? sqlite3_errmsg(db_) : "cannot open");
    return false;
  }
  sqlite3_busy_timeout(db_, 2000);
  // WAL: a write interrupted by kill -9 or a power cut leaves the last
  // committed state; FULL: a commit is on disk when it returns.
  if (!Exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
            "CREATE TABLE IF NOT EXISTS records (seq INTEGER PRIMARY KEY, payload TEXT NOT NULL);"
            "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);"
            "INSERT OR IGNORE INTO meta VALUES ('next_seq', 1), ('dropped', 0);",
            why)) {
    why = path + ": " + why;
    return false;
  }
  return true;
}

std::uint64_t RecordQueue::Append(const std::string& payload, std::string& why) {
  if (!Exec("BEGIN IMMEDIATE", why)) return 0;
  const auto seq = static_cast<std::uint64_t>(Scalar("SELECT value FROM meta WHERE key='next_seq'"));
  // The payload is a JSON object: the sequence number goes first.
  std::string numbered = "{\"seq\":" + std::to_string(seq) + (payload.size() > 2 ? "," : "") + payload.substr(1);
  sqlite3_stmt* st = nullptr;
  bool ok = sqlite3_prepare_v2(db_, "INSERT INTO records VALUES (?, ?)", -1, &st, nullptr) == SQLITE_OK;
  ok = ok && sqlite3_bind_int64(st, 1, static_cast<sqlite3_int64>(seq)) == SQLITE_OK;
  ok =
      ok && sqlite3_bind_text(st, 2, numbered.data(), static_cast<int>(numbered.size()), SQLITE_TRANSIENT) == SQLITE_OK;
  ok = ok && sqlite3_step(st) == SQLITE_DONE;
  sqlite3_finalize(st);
  ok = ok && Exec("UPDATE meta SET value = value + 1 WHERE key='next_seq'", why);
  // Past the bound: the oldest go, and are counted.
  const std::int64_t excess = Scalar("SELECT COUNT(*) FROM records") - max_records_;
  if (ok && excess > 0) {
    const std::string n = std::to_string(excess);
    ok = Exec(("DELETE FROM records WHERE seq IN (SELECT seq FROM records ORDER BY seq LIMIT " + n +
               ");"
               "UPDATE meta SET value = value + " +
               n + " WHERE key='dropped';")
                  .c_str(),
              why);
  }
  if (!ok) {
    if (why.empty()) why = sqlite3_errmsg(db_);
    std::string ignored;
    Exec("ROLLBACK", ignored);
    return 0;
  }
  if (!Exec("COMMIT", why)) return 0;
  return seq;
}

std::vector<RecordQueue::Record> RecordQueue::Next(std::uint64_t after_seq, int limit) {
  std::vector<Record> out;
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db_, "SELECT seq, payload FROM records WHERE seq > ? ORDER BY seq LIMIT ?", -1, &st,
                         nullptr) != SQLITE_OK) {
    return out;
  }
  sqlite3_bind_int64(st, 1, static_cast<sqlite3_int64>(after_seq));
  sqlite3_bind_int(st, 2, limit);
  while (sqlite3_step(st) == SQLITE_ROW) {
    Record r;
    r.seq = static_cast<std::uint64_t>(sqlite3_column_int64(st, 0));
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(st, 1));
    r.payload = text != nullptr ? text : "";
    out.push_back(std::move(r));
  }
  sqlite3_finalize(st);
  return out;
}

void RecordQueue::Remove(std::uint64_t seq) {
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db_, "DELETE FROM records WHERE seq = ?", -1, &st, nullptr) == SQLITE_OK) {
    sqlite3_bind_int64(st, 1, static_cast<sqlite3_int64>(seq));
    sqlite3_step(st);
  }
  sqlite3_finalize(st);
}

std::int64_t RecordQueue::size() { return Scalar("SELECT COUNT(*) FROM records"); }
std::uint64_t RecordQueue::dropped() {
  return static_cast<std::uint64_t>(Scalar("SELECT value FROM meta WHERE key='dropped'"));
}
std::int64_t RecordQueue::bytes() { return Scalar("SELECT COALESCE(SUM(LENGTH(payload)), 0) FROM records"); }

}  // namespace meter::interfaces
