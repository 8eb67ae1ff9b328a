#pragma once
// Symmetrical components of three fundamental phasors (Fortescue), for the
// IEC 61000-4-30 unbalance ratios u2 = |negative| / |positive| and
// u0 = |zero| / |positive|.

#include <complex>

namespace meter {

struct SequenceComponents {
  std::complex<float> zero, positive, negative;

  /// Negative-sequence ratio in percent; NaN when there is no positive sequence.
  float NegativeRatioPct() const;
  /// Zero-sequence ratio in percent; NaN when there is no positive sequence.
  float ZeroRatioPct() const;
};

/// Phasors in phase order A, B, C.
SequenceComponents ComputeSequenceComponents(std::complex<float> a, std::complex<float> b, std::complex<float> c);

}  // namespace meter
