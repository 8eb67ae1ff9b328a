#pragma once
// A quotient whose denominator may be zero (no load, no time): NaN there,
// never an infinity or a plausible number. Private to metering/src.

#include <limits>

namespace meter::detail {

inline float Ratio(float num, float den) { return den > 0.0f ? num / den : std::numeric_limits<float>::quiet_NaN(); }

}  // namespace meter::detail
