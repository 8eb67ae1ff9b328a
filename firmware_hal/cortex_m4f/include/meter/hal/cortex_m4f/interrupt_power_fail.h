#pragma once
// The power-fail signal as a flag set by the supply comparator's interrupt
// handler (on a product board: an analog comparator or a brown-out
// interrupt; the emulated MPS2 has none, so the self-test raises it).

#include <atomic>

#include "meter/hal/power_fail.h"

namespace meter::hal::cortex_m4f {

class InterruptPowerFail final : public PowerFailSignal {
 public:
  /// From the comparator's interrupt: supply below / above the threshold.
  void OnComparator(bool below) { below_.store(below, std::memory_order_release); }

 private:
  bool DoAsserted() override { return below_.load(std::memory_order_acquire); }
  std::atomic<bool> below_{false};
};

}  // namespace meter::hal::cortex_m4f
