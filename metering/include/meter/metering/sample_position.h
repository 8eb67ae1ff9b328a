#pragma once
// A position on the sample axis between samples: a cycle boundary, a zero
// crossing. Whole sample number plus a fraction in [0, 1).

#include <cstdint>

namespace meter {

struct SamplePosition {
  std::int64_t whole = 0;
  float frac = 0.0f;
};

/// Samples from `a` to `b` (negative when `b` is earlier).
inline float Span(const SamplePosition& a, const SamplePosition& b) {
  return static_cast<float>(b.whole - a.whole) + (b.frac - a.frac);
}

}  // namespace meter
