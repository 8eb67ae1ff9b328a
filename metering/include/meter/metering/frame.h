#pragma once
// The meter's input: one set of simultaneous samples, per numeric variant.
// Its own header, so that a source of frames (a DMA buffer, a replay) needs
// no more of the meter than this.

#include <array>
#include <cstdint>

namespace meter {

/// One set of simultaneous samples. Unused channels of a wiring are ignored.
template <typename T>
struct Frame {
  std::array<T, 3> v{};
  std::array<T, 3> i{};
};
/// Float meter input: volts at the voltage terminals; amperes (5 A CT) or
/// volts (333 mV sensor) at the current inputs.
using SampleFrame = Frame<float>;
/// Fixed-point meter input: signed ADC codes (24-bit sigma-delta codes in
/// int32, or 16-bit codes), full scale +-2^(adc_bits-1).
using AdcFrame = Frame<std::int32_t>;

}  // namespace meter
