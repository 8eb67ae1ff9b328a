#include "meter/hal/cortex_m4f/fpga_io.h"

namespace meter::hal::cortex_m4f {
namespace {
volatile std::uint32_t& Led() { return *reinterpret_cast<volatile std::uint32_t*>(kFpgaIoBase + 0x00u); }
volatile std::uint32_t& Buttons() { return *reinterpret_cast<volatile std::uint32_t*>(kFpgaIoBase + 0x08u); }
}  // namespace

void FpgaLedPulseOutput::DoSet(bool active) {
  if (active) {
    Led() = Led() | 1u;
    ++pulses_;
  } else {
    Led() = Led() & ~1u;
  }
}

std::uint8_t FpgaButtonInputs::DoRead() {
  const std::uint32_t b = Buttons();
  return static_cast<std::uint8_t>(((b & 1u) ? kInputTariff2 : 0u) | ((b & 2u) ? kInputPartialRun : 0u));
}

}  // namespace meter::hal::cortex_m4f
