#include "meter/hal/cortex_m4f/stack_usage.h"

extern "C" std::uint32_t __stack_limit__[], __stack_top__[];

namespace meter::hal::cortex_m4f {

void PaintStack(std::uint32_t* limit) {
  std::uint32_t* sp = nullptr;
  __asm volatile("mov %0, sp" : "=r"(sp));
  // Leave the reset handler's own frame (a few words) untouched.
  for (std::uint32_t* p = limit; p < sp - 16; ++p) *reinterpret_cast<volatile std::uint32_t*>(p) = kStackPaint;
}

std::size_t StackHighWaterBytes() {
  const std::uint32_t* p = __stack_limit__;
  while (p < __stack_top__ && *reinterpret_cast<const volatile std::uint32_t*>(p) == kStackPaint) ++p;
  return static_cast<std::size_t>(reinterpret_cast<std::uintptr_t>(__stack_top__) -
                                  reinterpret_cast<std::uintptr_t>(p));
}

std::size_t StackSizeBytes() {
  return static_cast<std::size_t>(reinterpret_cast<std::uintptr_t>(__stack_top__) -
                                  reinterpret_cast<std::uintptr_t>(__stack_limit__));
}

}  // namespace meter::hal::cortex_m4f
