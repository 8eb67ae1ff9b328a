#pragma once
// Positive-going zero-crossing detector with hysteresis and linear
// interpolation. The detector re-arms only after the signal has gone below
// -hysteresis, so noise near zero cannot produce a second crossing.

#include <cstdint>

namespace meter::dsp {

class ZeroCrossingDetector {
 public:
  void Reset() {
    armed_ = false;
    previous_ = 0.0f;
  }
  void SetHysteresis(float h) { hysteresis_ = h; }

  /// Feeds one sample. @returns true when a positive-going crossing lies
  /// between the previous sample and this one; `frac` then holds its
  /// position after the previous sample, in [0, 1).
  bool Process(float y, float& frac) {
    bool crossed = false;
    if (armed_ && previous_ < 0.0f && y >= 0.0f) {
      frac = -previous_ / (y - previous_);
      if (frac >= 1.0f) frac = 0.99999994f;  // y == 0 exactly and rounding
      armed_ = false;
      crossed = true;
    }
    if (y < -hysteresis_) armed_ = true;
    previous_ = y;
    return crossed;
  }

 private:
  float hysteresis_ = 0.0f;
  float previous_ = 0.0f;
  bool armed_ = false;
};

}  // namespace meter::dsp
