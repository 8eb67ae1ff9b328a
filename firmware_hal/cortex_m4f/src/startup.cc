// Start-up for the MPS2-AN386 image: vector table, reset handler (FPU on,
// .data copied, .bss cleared, stack painted), then newlib's semihosting
// handles, static constructors, main and exit. Written for this board; no
// vendor start-up file is used.
#include <cstdint>
#include <cstdlib>

#include "meter/hal/cortex_m4f/stack_usage.h"

extern "C" {
extern std::uint32_t __data_load__[], __data_start__[], __data_end__[], __bss_start__[], __bss_end__[];
extern std::uint32_t __stack_limit__[], __stack_top__[];
void initialise_monitor_handles();
void __libc_init_array();
int main();
void SysTick_Handler();
[[noreturn]] void Reset_Handler();
[[noreturn]] void Fault_Handler();
}

namespace {
using Handler = void (*)();
constexpr std::uintptr_t kCpacr = 0xE000ED88;
}  // namespace

extern "C" [[noreturn]] void Reset_Handler() {
  // CP10 and CP11 full access before any floating-point instruction.
  *reinterpret_cast<volatile std::uint32_t*>(kCpacr) |= 0xFu << 20;
  __asm volatile("dsb\n\tisb" ::: "memory");
  for (std::uint32_t *src = __data_load__, *dst = __data_start__; dst < __data_end__;) *dst++ = *src++;
  for (std::uint32_t* dst = __bss_start__; dst < __bss_end__;) *dst++ = 0;
  meter::hal::cortex_m4f::PaintStack(__stack_limit__);
  initialise_monitor_handles();
  __libc_init_array();
  std::exit(main());
}

// Any fault ends the emulation with a distinctive status instead of hanging.
extern "C" [[noreturn]] void Fault_Handler() { std::_Exit(98); }

// Initial stack pointer, then the system exceptions up to SysTick.
__attribute__((section(".vectors"), used)) const Handler kVectorTable[16] = {
    reinterpret_cast<Handler>(__stack_top__),
    Reset_Handler,
    Fault_Handler,  // NMI
    Fault_Handler,  // HardFault
    Fault_Handler,  // MemManage
    Fault_Handler,  // BusFault
    Fault_Handler,  // UsageFault
    nullptr,
    nullptr,
    nullptr,
    nullptr,
    Fault_Handler,  // SVCall
    Fault_Handler,  // DebugMonitor
    nullptr,
    Fault_Handler,  // PendSV
    SysTick_Handler,
};

// newlib's __libc_init_array calls _init; crti is not linked (-nostartfiles):
// the init arrays do all the work.
extern "C" void _init() {}
extern "C" void _fini() {}
