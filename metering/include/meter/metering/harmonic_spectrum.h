#pragma once
// Per-harmonic magnitudes and phases of the last window, for every analysed
// channel. Phases are in degrees relative to the fundamental of the
// reference voltage (h * its phase removed), so a steady signal gives the
// same phases window after window.

#include <array>
#include <cmath>

#include "meter/dsp/cycle_spectrum.h"

namespace meter {

enum class SpectrumChannel : int { kVa = 0, kVb, kVc, kIa, kIb, kIc, kVab, kVbc, kVca, kCount };

struct HarmonicSpectrum {
  static constexpr int kChannels = static_cast<int>(SpectrumChannel::kCount);
  int max_order = 0;  ///< Orders 1..max_order are valid; 0 when the window had no spectrum.
  /// rms magnitude (harmonic subgroup, IEC 61000-4-7) per channel and order.
  std::array<std::array<float, dsp::kMaxHarmonicOrder + 1>, kChannels> magnitude{};
  /// The harmonic bin's direction, as PhaseCode encodes it (PhaseDeg turns
  /// it into degrees).
  std::array<std::array<float, dsp::kMaxHarmonicOrder + 1>, kChannels> phase_code{};

  float Magnitude(SpectrumChannel ch, int order) const {
    return magnitude[static_cast<std::size_t>(ch)][static_cast<std::size_t>(order)];
  }
  /// Phase of the harmonic bin, degrees in (-180, 180], computed on request.
  float PhaseDeg(SpectrumChannel ch, int order) const {
    return DegreesFromPhaseCode(phase_code[static_cast<std::size_t>(ch)][static_cast<std::size_t>(order)]);
  }

  /// A direction (re, im) as one number in [-2, 2], increasing with the angle
  /// from -180 to 180 degrees (both ends are 180): im / (|re| + |im|) when
  /// re >= 0, else +-2 less that (the sign of im's). One division, where an angle costs an
  /// arctangent: the meter publishes 279 phases a window and a caller reads
  /// few of them, so the arctangent waits for PhaseDeg. The code keeps the
  /// direction to float resolution (about 1e-7 rad). A zero vector gives 0.
  static float PhaseCode(float re, float im) {
    const float norm1 = std::fabs(re) + std::fabs(im);
    const float c = norm1 > 0.0f ? im / norm1 : (norm1 == 0.0f ? 0.0f : norm1);  // NaN stays NaN
    return re >= 0.0f ? c : std::copysign(2.0f, im) - c;
  }
  static float DegreesFromPhaseCode(float code) {
    constexpr float kDegreesPerRadian = 57.2957795f;
    float re, im;
    if (std::fabs(code) <= 1.0f) {
      im = code;
      re = 1.0f - std::fabs(code);
    } else {
      im = std::copysign(2.0f - std::fabs(code), code);
      re = std::fabs(im) - 1.0f;
    }
    const float deg = std::atan2(im, re) * kDegreesPerRadian;
    return deg <= -180.0f ? deg + 360.0f : deg;  // atan2 gives [-pi, pi]; the range is (-180, 180]
  }
};

}  // namespace meter
