#pragma once
// Store-and-forward for interval records: a bounded queue in SQLite (WAL
// mode, synchronous FULL), so a broker outage, a restart or a kill -9 loses
// nothing but the record being written. Records are numbered in order; the
// numbering survives restarts. Past the bound the oldest are dropped, and
// the drop count is kept with them.

#include <cstdint>
#include <string>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;

namespace meter::interfaces {

class RecordQueue {
 public:
  RecordQueue() = default;
  ~RecordQueue();
  RecordQueue(const RecordQueue&) = delete;
  RecordQueue& operator=(const RecordQueue&) = delete;

  /// Opens (or creates) the queue in `path`, keeping at most `max_records`.
  bool Open(const std::string& path, std::int64_t max_records, std::string& why);
  /// Stores a record; its payload gets "seq" from the queue. @returns the
  /// sequence number, or 0 on an error (`why`).
  std::uint64_t Append(const std::string& payload_without_seq, std::string& why);
  struct Record {
    std::uint64_t seq = 0;
    std::string payload;
  };
  /// Up to `limit` records after `after_seq`, oldest first.
  std::vector<Record> Next(std::uint64_t after_seq, int limit);
  /// Delivered (PUBACK): gone from the queue.
  void Remove(std::uint64_t seq);
  std::int64_t size();
  std::uint64_t dropped();
  std::int64_t bytes();

 private:
  bool Exec(const char* sql, std::string& why);
  std::int64_t Scalar(const char* sql);

  sqlite3* db_ = nullptr;
  std::int64_t max_records_ = 0;
};

}  // namespace meter::interfaces
