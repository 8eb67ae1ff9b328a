#pragma once
// Where replayed samples come from. Host-side code: it may allocate, but it
// reports errors as values, with enough context to find the bad spot.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "meter/host_sim/input_map.h"
#include "meter/metering/meter.h"

namespace meter::host_sim {

/// A located error: "FILE:LINE:COLUMN: message" when line/column are known.
struct SourceError {
  std::string file;
  long line = 0;   ///< 1-based; 0 when not tied to a line
  int column = 0;  ///< 1-based; 0 when not tied to a column
  std::string message;
  /// The problem is in an option (--map, --scale), not the file: a usage
  /// error (exit status 2).
  bool in_option = false;

  std::string ToString() const;
};

/// A stream of sample frames in primary units.
class SampleSource {
 public:
  virtual ~SampleSource() = default;

  enum class Read { kFrame, kEnd, kError };
  /// Reads the next frame. On kError, error() says what and where.
  Read Next(SampleFrame& frame) { return DoNext(frame); }
  const SourceError& error() const { return error_; }
  /// Fraction of the input consumed, 0..1 (for progress display).
  double progress() const { return DoProgress(); }
  /// The recording channel that feeds each input the wiring uses.
  std::vector<ChannelChoice> channels() const { return DoChannels(); }

 protected:
  SourceError error_;

 private:
  virtual Read DoNext(SampleFrame& frame) = 0;
  virtual double DoProgress() const = 0;
  virtual std::vector<ChannelChoice> DoChannels() const { return {}; }
};

}  // namespace meter::host_sim
