#pragma once
// The Q31 meter's input conditioning state: ADC codes to Q29 samples. One
// state, read by the scalar loop on every target and, on x86-64 hosts with
// AVX2, by its vector form (quantity_run_x86.h).

#include <cstdint>

namespace meter::detail {

/// Per channel (0-2 voltages, 3-5 currents), sample = ((code - offset_code)
/// 2^code_shift times gain_q) >> 30, codes at or beyond +-code_limit
/// clipped. Eight lanes so that the vector form reads whole vectors (lanes
/// 6-7 and unused channels zero); not 32-byte aligned, which would pad the
/// firmware's meter for nothing.
struct AdcConditioningQ31 {
  std::int32_t offset_code[8] = {};
  std::int32_t gain_q[8] = {};  ///< Q30
  std::int32_t used[8] = {};    ///< -1 for a channel the wiring uses
  std::int32_t code_limit = 0;
  int code_shift = 0;
};

}  // namespace meter::detail
