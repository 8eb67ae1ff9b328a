#pragma once
// Host backend of PulseOutput: records every edge with the time the caller
// gives, for tests of pulse count, rate and width.

#include <cstdint>
#include <vector>

#include "meter/hal/pulse_output.h"

namespace meter::hal::host {

class RecordingPulseOutput final : public PulseOutput {
 public:
  struct Edge {
    std::uint64_t tick;
    bool active;
  };
  void SetClock(std::uint64_t tick) { now_ = tick; }
  const std::vector<Edge>& edges() const { return edges_; }
  std::uint64_t pulses() const { return pulses_; }

 private:
  void DoSet(bool active) override {
    edges_.push_back({now_, active});
    if (active) ++pulses_;
  }
  std::uint64_t now_ = 0;
  std::uint64_t pulses_ = 0;
  std::vector<Edge> edges_;
};

}  // namespace meter::hal::host
