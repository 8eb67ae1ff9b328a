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
  /// Phase of the harmonic bin, degrees in (-180, 180].
  std::array<std::array<float, dsp::kMaxHarmonicOrder + 1>, kChannels> phase_deg{};

  float Magnitude(SpectrumChannel ch, int order) const {
    return magnitude[static_cast<std::size_t>(ch)][static_cast<std::size_t>(order)];
  }
  float PhaseDeg(SpectrumChannel ch, int order) const {
    return phase_deg[static_cast<std::size_t>(ch)][static_cast<std::size_t>(order)];
  }
};

}  // namespace meter
