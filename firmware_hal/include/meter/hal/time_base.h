#pragma once
// A monotonic time base and cycle counter, for time stamps and processing
// load. Metering time itself is the sample count, which is exact; this clock
// only measures how long processing took.

#include <cstdint>

namespace meter::hal {

class TimeBase {
 public:
  /// Ticks since start, monotonic, never wrapping in the product's life.
  std::uint64_t Now() { return DoNow(); }
  /// Tick rate, Hz.
  std::uint32_t ticks_per_second() const { return DoTicksPerSecond(); }

 protected:
  ~TimeBase() = default;

 private:
  virtual std::uint64_t DoNow() = 0;
  virtual std::uint32_t DoTicksPerSecond() const = 0;
};

}  // namespace meter::hal
