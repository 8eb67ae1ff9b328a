#pragma once
// Host backends of the slow devices: levels and signals a test or a
// simulation sets, and the host's steady clock as the time base.

#include <chrono>
#include <cstdint>

#include "meter/hal/digital_inputs.h"
#include "meter/hal/power_fail.h"
#include "meter/hal/time_base.h"

namespace meter::hal::host {

class SettableDigitalInputs final : public DigitalInputs {
 public:
  void Set(std::uint8_t levels) { levels_ = levels; }
  int reads() const { return reads_; }

 private:
  std::uint8_t DoRead() override {
    ++reads_;
    return levels_;
  }
  std::uint8_t levels_ = 0;
  int reads_ = 0;
};

class SettablePowerFail final : public PowerFailSignal {
 public:
  void Set(bool asserted) { asserted_ = asserted; }

 private:
  bool DoAsserted() override { return asserted_; }
  bool asserted_ = false;
};

/// Nanoseconds of the host's steady clock.
class SteadyClockTimeBase final : public TimeBase {
 private:
  std::uint64_t DoNow() override {
    return static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
            .count());
  }
  std::uint32_t DoTicksPerSecond() const override { return 1000000000u; }
};

}  // namespace meter::hal::host
