#pragma once
// The SysTick timer as the time base: 24-bit down-counter on the processor
// clock (25 MHz on MPS2-AN386), extended to 64 bits by counting reloads in
// the SysTick interrupt. Under `qemu-system-arm -icount shift=0` one tick is
// exactly 40 instructions, which makes it an instruction counter.

#include <cstdint>

#include "meter/hal/time_base.h"

extern "C" void SysTick_Handler();

namespace meter::hal::cortex_m4f {

class SysTickTimeBase final : public TimeBase {
 public:
  static constexpr std::uint32_t kCoreClockHz = 25000000u;
  /// Starts the counter (full 24-bit period, interrupt on reload) and waits
  /// for its first reload: the current value reads 0 until then.
  void Start();
  /// Ticks since Start, without the SysTick_Handler's virtual call.
  std::uint64_t Ticks() const;

 private:
  std::uint64_t DoNow() override { return Ticks(); }
  std::uint32_t DoTicksPerSecond() const override { return kCoreClockHz; }
};

}  // namespace meter::hal::cortex_m4f
