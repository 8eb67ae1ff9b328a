// The Cortex-M4F form of MagnitudeBound (four values a block load).
// Compiled on every target; its body only where target.h sets
// kArmBlockLoads. Its twin is MagnitudeBound's portable loop
// (cycle_fft_q31.cc); hand_written_forms_test compares them on the target.
#include "meter/dsp/cycle_fft.h"

#if METER_DSP_ARM_BLOCK_LOADS

#include <cstdint>

// Assembly throughout: formatted by hand.
// clang-format off
namespace meter::dsp::detail {

static_assert(sizeof(std::int32_t) == 4, "four values a 16-byte block load (LDM of four registers)");

// Four magnitudes a pass from one block load: |v| as (v ^ s) - s with s
// the sign mask (INT32_MIN gives 2^31, as the portable form), three
// instructions a value where GCC's compare and branch take about seven.
std::uint32_t MagnitudeBoundArm(const std::int32_t* x, int n) {
  std::uint32_t bound = 0;
  int count = n / 4;
  const int done = 4 * count;
  if (count == 0) return OrMagnitudes(x, 0, n, 0);
  const std::int32_t* const first = x;
  // The block load's registers in ascending order (the order of the four
  // values does not matter to an OR).
  register std::int32_t v0 asm("r2");
  register std::int32_t v1 asm("r3");
  register std::int32_t v2 asm("r4");
  register std::int32_t v3 asm("r5");
  std::int32_t t;
#define METER_MAGNITUDE_OR(V)                        \
  "eor %[t], %[" V "], %[" V "], asr #31\n\t"         \
  "sub %[t], %[t], %[" V "], asr #31\n\t"             \
  "orr %[bound], %[bound], %[t]\n\t"
  asm volatile(
      "1:\n\t"
      "ldmia %[x]!, {%[v0], %[v1], %[v2], %[v3]}\n\t" METER_MAGNITUDE_OR("v0") METER_MAGNITUDE_OR("v1")
          METER_MAGNITUDE_OR("v2") METER_MAGNITUDE_OR("v3")
      "subs %[count], %[count], #1\n\t"
      "bne 1b\n\t"
      : [bound] "+r"(bound), [x] "+r"(x), [count] "+r"(count), [v0] "=&r"(v0), [v1] "=&r"(v1), [v2] "=&r"(v2),
        [v3] "=&r"(v3), [t] "=&r"(t)
      :
      : "cc", "memory");
#undef METER_MAGNITUDE_OR
  return OrMagnitudes(first, done, n, bound);
}

}  // namespace meter::dsp::detail
// clang-format on

#endif  // METER_DSP_ARM_BLOCK_LOADS
