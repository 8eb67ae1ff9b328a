#pragma once
// Random inputs for the Q31 run-loop tests: samples near the bounds the
// meter checks before it takes a run loop (the voltages' differences and
// the neutral's three-current sum within int32), DC shifts and Lagrange
// taps of the sizes the meter uses.

#include <cstdint>
#include <random>

namespace meter::test {

struct Q31RunSamples {
  static constexpr std::int32_t kVoltageLimit = (1 << 30) - (1 << 26);  // 2 |v| below 2^31
  static constexpr std::int32_t kCurrentLimit = 700'000'000;            // 3 |i| below 2^31
  std::uniform_int_distribution<std::int32_t> voltage{-kVoltageLimit + (1 << 25), kVoltageLimit - (1 << 25)};
  std::uniform_int_distribution<std::int32_t> current{-kCurrentLimit / 2, kCurrentLimit / 2};
  std::uniform_int_distribution<std::int32_t> dc{-(1 << 25), 1 << 25};
  std::uniform_int_distribution<std::int32_t> tap{-(1 << 28), 1 << 28};
};

}  // namespace meter::test
