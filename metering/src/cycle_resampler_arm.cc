// The Cortex-M4F's frame copy for the cycle resampler (LDM/STM). Compiled
// on every target; its body only where target.h sets kArmBlockLoads. Its
// twin is CycleResampler::CopyFrames' loop; hand_written_forms_test
// compares them on the target.
#include "meter/metering/cycle_resampler.h"

#include "meter/dsp/target.h"

#if METER_DSP_ARM_BLOCK_LOADS

// Assembly throughout: formatted by hand.
// clang-format off
namespace meter::detail {

void CopySixWordFramesArm(const void* from, std::size_t count, void* to) {
  static_assert(sizeof(std::array<std::int32_t, 6>) == 24 && sizeof(std::array<float, 6>) == 24,
                "a frame is six words");
  for (; count > 0; --count) {
    asm volatile(
        "ldmia %[from]!, {r0-r5}\n\t"
        "stmia %[to]!, {r0-r5}\n\t"
        : [from] "+r"(from), [to] "+r"(to)
        :
        : "r0", "r1", "r2", "r3", "r4", "r5", "memory");
  }
}

}  // namespace meter::detail
// clang-format on

#endif  // METER_DSP_ARM_BLOCK_LOADS
