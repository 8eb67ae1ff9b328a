#pragma once
// Digital inputs from a file, for boards whose tariff and partial-counter
// signals arrive through another process (a ripple-control receiver's
// daemon, a PLC bridge, a time-of-use schedule run by cron) rather than on
// GPIO lines. The file holds one line, "TARIFF2 PARTIAL_RUN PARTIAL_RESET",
// three 0/1 levels in the order of --input-lines (e.g. "0 1 0"); its writer
// replaces it whole (write a temporary file and rename it).
//
// A thread of its own reads the file every 100 ms and keeps the levels in an
// atomic: the metering loop's Read() never touches the file system. An
// unreadable or malformed file keeps the last good levels and is logged
// once per change of state.

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>

#include "meter/hal/digital_inputs.h"
#include "meter/status.h"

namespace meter::hal::linux_board {

/// Parses "0 1 0" into kInput... bits. @returns false for anything else.
bool ParseInputLevels(const std::string& text, std::uint8_t& levels);

class FileDigitalInputs final : public DigitalInputs {
 public:
  FileDigitalInputs() = default;
  ~FileDigitalInputs() { Close(); }
  FileDigitalInputs(const FileDigitalInputs&) = delete;
  FileDigitalInputs& operator=(const FileDigitalInputs&) = delete;

  /// Reads the file once (it must be readable and well formed) and starts
  /// watching it.
  Status Open(const std::string& path, std::string& why);
  void Close();

 private:
  std::uint8_t DoRead() override { return levels_.load(std::memory_order_relaxed); }
  void Watch();

  std::string path_;
  std::atomic<std::uint8_t> levels_{0};
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace meter::hal::linux_board
