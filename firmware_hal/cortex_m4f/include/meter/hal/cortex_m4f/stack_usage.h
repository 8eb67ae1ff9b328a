#pragma once
// Stack high-water mark by painting: the start-up code fills the unused stack
// with a pattern; the deepest overwritten word is the most stack ever used.

#include <cstddef>
#include <cstdint>

namespace meter::hal::cortex_m4f {

inline constexpr std::uint32_t kStackPaint = 0x5AC3A55Au;

/// Paints from `limit` up to a little below the current stack pointer.
/// Called once, from the reset handler.
void PaintStack(std::uint32_t* limit);
/// Bytes of stack used so far (top minus the lowest overwritten word).
std::size_t StackHighWaterBytes();
/// Bytes the stack region holds.
std::size_t StackSizeBytes();

}  // namespace meter::hal::cortex_m4f
