#pragma once
// Digital control inputs (opto-isolated terminals): tariff select, partial
// counter start/stop and partial reset. Slow device: read once per block.

#include <cstdint>

namespace meter::hal {

/// Input levels as bits, true = terminal energised.
enum InputBit : std::uint8_t {
  kInputTariff2 = 1,        ///< Level: tariff 2 while energised, tariff 1 otherwise.
  kInputPartialRun = 2,     ///< Level: the partial counters run while energised.
  kInputPartialReset = 4,   ///< Edge: a rising edge resets the partial counters.
};

class DigitalInputs {
 public:
  /// The raw (not debounced) levels of every input, as InputBit bits.
  std::uint8_t Read() { return DoRead(); }

 protected:
  ~DigitalInputs() = default;

 private:
  virtual std::uint8_t DoRead() = 0;
};

}  // namespace meter::hal
