#pragma once
// Cubic (4-tap) Lagrange fractional delay. The metering path uses it to shift
// a current channel by a fraction of a sample for V-I phase compensation:
// at 8 kHz, 0.01 degree at 50 Hz is 0.0044 samples, far below one sample.
// Its magnitude error at the fundamental is below 1e-7 and grows with
// frequency; spectral quantities therefore take the compensation as an exact
// rotation of the FFT bins instead (see CycleSpectrum).

#include <array>

#include "meter/dsp/numeric.h"

namespace meter::dsp {

/// Taps for the samples at offsets -1, 0, +1, +2 around the integer part,
/// evaluated at fraction mu in [0, 1), in the policy's coefficient type
/// (Q31Numeric: Q30; the taps lie within [-0.07, 1.0]).
template <typename Numeric>
struct LagrangeTaps {
  using Sample = typename Numeric::Sample;
  using Coef = typename Numeric::Coef;
  std::array<Coef, 4> c{Numeric::CoefFromFloat(0.0f), Numeric::CoefFromFloat(1.0f), Numeric::CoefFromFloat(0.0f),
                        Numeric::CoefFromFloat(0.0f)};

  static LagrangeTaps ForFraction(float mu) {
    LagrangeTaps t;
    const float m1 = mu + 1.0f, m0 = mu, p1 = mu - 1.0f, p2 = mu - 2.0f;
    t.c[0] = Numeric::CoefFromFloat(-(m0 * p1 * p2) / 6.0f);
    t.c[1] = Numeric::CoefFromFloat((m1 * p1 * p2) / 2.0f);
    t.c[2] = Numeric::CoefFromFloat(-(m1 * m0 * p2) / 2.0f);
    t.c[3] = Numeric::CoefFromFloat((m1 * m0 * p1) / 6.0f);
    return t;
  }
  Sample Apply(Sample xm1, Sample x0, Sample xp1, Sample xp2) const {
    const Sample v[4] = {xm1, x0, xp1, xp2};
    return Numeric::Dot(c.data(), 4, [&](int k) { return v[k]; });
  }
};

}  // namespace meter::dsp
