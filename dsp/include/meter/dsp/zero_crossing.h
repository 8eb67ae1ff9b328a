#pragma once
// Positive-going zero-crossing detector with hysteresis and linear
// interpolation. The detector re-arms only after the signal has gone below
// -hysteresis, so noise near zero cannot produce a second crossing.

#include <cstdint>

namespace meter::dsp {

/// `Sample` is float or int32 (Q29): the interpolated position is a float
/// either way, computed only at a crossing (once per cycle).
template <typename Sample>
class ZeroCrossingDetector {
 public:
  void Reset() {
    armed_ = false;
    previous_ = Sample{};
  }
  void SetHysteresis(Sample h) { hysteresis_ = h; }
  Sample hysteresis() const { return hysteresis_; }

  /// Feeds one sample. @returns true when a positive-going crossing lies
  /// between the previous sample and this one; `frac` then holds its
  /// position after the previous sample, in [0, 1).
  bool Process(Sample y, float& frac) {
    bool crossed = false;
    if (armed_ && previous_ < Sample{} && y >= Sample{}) {
      frac = -static_cast<float>(previous_) / (static_cast<float>(y) - static_cast<float>(previous_));
      if (frac >= 1.0f) frac = 0.99999994f;  // y == 0 exactly and rounding
      armed_ = false;
      crossed = true;
    }
    if (y < -hysteresis_) armed_ = true;
    previous_ = y;
    return crossed;
  }

 private:
  Sample hysteresis_{};
  Sample previous_{};
  bool armed_ = false;
};

}  // namespace meter::dsp
