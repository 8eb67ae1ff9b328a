#pragma once
// The MPS2 FPGA IO block (0x40028000): user LEDs as the pulse output, user
// push-buttons as digital inputs (button 0: tariff 2; button 1: partial
// counters run). The board has no third input, so partial reset is not wired.

#include <cstdint>

#include "meter/hal/digital_inputs.h"
#include "meter/hal/pulse_output.h"

namespace meter::hal::cortex_m4f {

inline constexpr std::uintptr_t kFpgaIoBase = 0x40028000u;

/// LED 0 is the kWh pulse LED. Counts pulses, for the self-test's report.
class FpgaLedPulseOutput final : public PulseOutput {
 public:
  std::uint32_t pulses() const { return pulses_; }

 private:
  void DoSet(bool active) override;
  std::uint32_t pulses_ = 0;
};

class FpgaButtonInputs final : public DigitalInputs {
 private:
  std::uint8_t DoRead() override;
};

}  // namespace meter::hal::cortex_m4f
