#pragma once
// GPIO through the Linux GPIO character device (/dev/gpiochipN, uAPI v2):
// the pulse output as an output line, the digital inputs and the
// power-fail signal as input lines.

#include <array>
#include <cstdint>
#include <string>

#include "meter/hal/digital_inputs.h"
#include "meter/hal/power_fail.h"
#include "meter/hal/pulse_output.h"
#include "meter/status.h"

namespace meter::hal::linux_board {

/// Lines of one chip requested together (at most 4 here), as inputs or outputs.
class GpioLines {
 public:
  GpioLines() = default;
  ~GpioLines();
  GpioLines(const GpioLines&) = delete;
  GpioLines& operator=(const GpioLines&) = delete;

  /// @returns kUnavailable (with `why`) if the chip cannot be opened or a
  /// line cannot be requested; kInvalidArgument for 0 or more than 4 lines.
  Status Request(const std::string& chip, const std::uint32_t* offsets, int count, bool output, const char* consumer,
                 std::string& why);
  /// Bit k = line k. @returns false on an ioctl error.
  bool Get(std::uint32_t& bits) const;
  bool Set(std::uint32_t bits, std::uint32_t mask);
  int count() const { return count_; }

 private:
  int fd_ = -1;
  int count_ = 0;
};

/// The kWh pulse output on one GPIO line (active high).
class GpioPulseOutput final : public PulseOutput {
 public:
  Status Open(const std::string& chip, std::uint32_t line, std::string& why) {
    return lines_.Request(chip, &line, 1, true, "meter-pulse", why);
  }
  std::uint64_t write_errors() const { return write_errors_; }

 private:
  void DoSet(bool active) override {
    if (!lines_.Set(active ? 1u : 0u, 1u)) ++write_errors_;
  }
  GpioLines lines_;
  std::uint64_t write_errors_ = 0;
};

/// Tariff, partial-run and partial-reset inputs on three lines (active high).
class GpioDigitalInputs final : public DigitalInputs {
 public:
  Status Open(const std::string& chip, const std::array<std::uint32_t, 3>& lines, std::string& why) {
    return lines_.Request(chip, lines.data(), 3, false, "meter-inputs", why);
  }

 private:
  std::uint8_t DoRead() override;
  GpioLines lines_;
  std::uint8_t last_ = 0;
};

/// The supply comparator on one line, asserted when low.
class GpioPowerFail final : public PowerFailSignal {
 public:
  Status Open(const std::string& chip, std::uint32_t line, std::string& why) {
    return lines_.Request(chip, &line, 1, false, "meter-power-fail", why);
  }

 private:
  bool DoAsserted() override;
  GpioLines lines_;
};

}  // namespace meter::hal::linux_board
