#include "meter/hal/cortex_m4f/systick_time_base.h"

namespace {

struct SysTickRegisters {
  volatile std::uint32_t ctrl;   // CSR
  volatile std::uint32_t load;   // RVR
  volatile std::uint32_t value;  // CVR
  volatile std::uint32_t calib;
};
SysTickRegisters& SysTick() { return *reinterpret_cast<SysTickRegisters*>(0xE000E010u); }

constexpr std::uint32_t kReload = 0x00FFFFFFu;
constexpr std::uint32_t kEnable = 1u, kTickInt = 2u, kProcessorClock = 4u;

volatile std::uint32_t g_reloads = 0;

}  // namespace

extern "C" void SysTick_Handler() { g_reloads = g_reloads + 1; }

namespace meter::hal::cortex_m4f {

void SysTickTimeBase::Start() {
  SysTick().ctrl = 0;
  SysTick().load = kReload;
  SysTick().value = 0;
  SysTick().ctrl = kEnable | kTickInt | kProcessorClock;
  while (SysTick().value == 0) {
  }
  g_reloads = 0;
}

std::uint64_t SysTickTimeBase::Ticks() const {
  // Re-read if a reload happened between reading the count and the value.
  std::uint32_t before = 0, value = 0, after = 0;
  do {
    before = g_reloads;
    value = SysTick().value;
    after = g_reloads;
  } while (before != after);
  return static_cast<std::uint64_t>(before) * (kReload + 1u) + (kReload - value);
}

}  // namespace meter::hal::cortex_m4f
