#pragma once
// Cubic (4-tap) Lagrange fractional delay. The metering path uses it to shift
// a current channel by a fraction of a sample for V-I phase compensation:
// at 8 kHz, 0.01 degree at 50 Hz is 0.0044 samples, far below one sample.
// Its magnitude error at the fundamental is below 1e-7 and grows with
// frequency; spectral quantities therefore take the compensation as an exact
// rotation of the FFT bins instead (see CycleSpectrum).

#include <array>

namespace meter::dsp {

/// Taps for the samples at offsets -1, 0, +1, +2 around the integer part,
/// evaluated at fraction mu in [0, 1).
struct LagrangeTaps {
  std::array<float, 4> c{0.0f, 1.0f, 0.0f, 0.0f};

  static LagrangeTaps ForFraction(float mu) {
    LagrangeTaps t;
    const float m1 = mu + 1.0f, m0 = mu, p1 = mu - 1.0f, p2 = mu - 2.0f;
    t.c[0] = -(m0 * p1 * p2) / 6.0f;
    t.c[1] = (m1 * p1 * p2) / 2.0f;
    t.c[2] = -(m1 * m0 * p2) / 2.0f;
    t.c[3] = (m1 * m0 * p1) / 6.0f;
    return t;
  }
  float Apply(float xm1, float x0, float xp1, float xp2) const {
    return c[0] * xm1 + c[1] * x0 + c[2] * xp1 + c[3] * xp2;
  }
};

}  // namespace meter::dsp
