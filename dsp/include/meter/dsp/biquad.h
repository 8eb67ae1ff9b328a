#pragma once
// Second-order IIR section, direct form I. Used to smooth the reference
// voltage before zero-crossing detection, where only a stable, repeatable
// phase delay matters (the delay is identical for every cycle).

#include <cmath>

#include "meter/dsp/status.h"

namespace meter::dsp {

class Biquad {
 public:
  /// Butterworth low-pass. @returns kInvalidArgument unless 0 < cutoff < rate/2.
  Status InitLowPass(float cutoff_hz, float sample_rate_hz) {
    if (!(cutoff_hz > 0.0f) || !(sample_rate_hz > 2.0f * cutoff_hz)) return Status::kInvalidArgument;
    const double k = std::tan(3.14159265358979323846 * cutoff_hz / sample_rate_hz);
    const double q = 0.70710678118654752440;
    const double norm = 1.0 / (1.0 + k / q + k * k);
    b0_ = static_cast<float>(k * k * norm);
    b1_ = 2.0f * b0_;
    b2_ = b0_;
    a1_ = static_cast<float>(2.0 * (k * k - 1.0) * norm);
    a2_ = static_cast<float>((1.0 - k / q + k * k) * norm);
    Reset();
    return Status::kOk;
  }
  void Reset() { x1_ = x2_ = y1_ = y2_ = 0.0f; }
  float Process(float x) {
    const float y = b0_ * x + b1_ * x1_ + b2_ * x2_ - a1_ * y1_ - a2_ * y2_;
    x2_ = x1_;
    x1_ = x;
    y2_ = y1_;
    y1_ = y;
    return y;
  }

 private:
  float b0_ = 1, b1_ = 0, b2_ = 0, a1_ = 0, a2_ = 0;
  float x1_ = 0, x2_ = 0, y1_ = 0, y2_ = 0;
};

}  // namespace meter::dsp
