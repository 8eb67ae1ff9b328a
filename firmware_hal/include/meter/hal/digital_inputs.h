#pragma once
// Digital control inputs (opto-isolated terminals): tariff select, partial
// counter start/stop and partial reset. Slow device: read once per block.

#include <cstdint>

namespace meter::hal {

// Input levels as bits, set = terminal energised.
/// Level: tariff 2 while energised, tariff 1 otherwise.
inline constexpr std::uint8_t kInputTariff2 = 1;
/// Level: the partial counters run while energised.
inline constexpr std::uint8_t kInputPartialRun = 2;
/// Edge: a rising edge resets the partial counters.
inline constexpr std::uint8_t kInputPartialReset = 4;

class DigitalInputs {
 public:
  /// The raw (not debounced) levels of every input, as kInput... bits.
  std::uint8_t Read() { return DoRead(); }

 protected:
  ~DigitalInputs() = default;

 private:
  virtual std::uint8_t DoRead() = 0;
};

}  // namespace meter::hal
