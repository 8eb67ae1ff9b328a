#pragma once
// Double-precision synthetic three-phase signals and the values a meter must
// report for them, computed from the signal's definition (sums of harmonics
// with given rms amplitudes and phases), never from the meter's output.

#include <array>
#include <cmath>
#include <complex>
#include <vector>

#include "meter/metering/meter.h"

namespace meter::testing {

inline constexpr double kPi = 3.14159265358979323846;

struct Harmonic {
  int order = 1;
  double rms = 0.0;        ///< rms amplitude of this component
  double phase_deg = 0.0;  ///< phase at t = 0 (cosine reference)
};

struct ChannelSignal {
  std::vector<Harmonic> components;
  double dc = 0.0;

  double At(double omega_t) const {
    double x = dc;
    for (const auto& h : components) {
      x += std::sqrt(2.0) * h.rms * std::cos(h.order * omega_t + h.phase_deg * kPi / 180.0);
    }
    return x;
  }
  std::complex<double> Phasor(int order) const {
    std::complex<double> sum;
    for (const auto& h : components) {
      if (h.order == order) sum += std::polar(h.rms, h.phase_deg * kPi / 180.0);
    }
    return sum;
  }
};

struct ThreePhaseSignal {
  double f_hz = 50.0;
  std::array<ChannelSignal, 3> v, i;

  SampleFrame FrameAt(double t) const {
    SampleFrame fr;
    const double wt = 2.0 * kPi * f_hz * t;
    for (std::size_t p = 0; p < 3; ++p) {
      fr.v[p] = static_cast<float>(v[p].At(wt));
      fr.i[p] = static_cast<float>(i[p].At(wt));
    }
    return fr;
  }
};

inline int MaxOrder(const ChannelSignal& a, const ChannelSignal& b) {
  int m = 1;
  for (const auto& h : a.components) m = std::max(m, h.order);
  for (const auto& h : b.components) m = std::max(m, h.order);
  return m;
}

inline double Rms(const ChannelSignal& c) {
  double s = 0.0;
  for (int h = 1; h <= 63; ++h) s += std::norm(c.Phasor(h));
  return std::sqrt(s);
}
inline double Thd(const ChannelSignal& c, int max_order) {
  double s = 0.0;
  for (int h = 2; h <= max_order; ++h) s += std::norm(c.Phasor(h));
  return 100.0 * std::sqrt(s) / std::abs(c.Phasor(1));
}

/// Expected per-phase values for voltage `a` (possibly a combination) and current `b`.
struct ExpectedPhase {
  double v_rms, i_rms, p, q, s, p1, q1, thd_v, thd_i;
};

inline ExpectedPhase Expect(const ChannelSignal& v, const ChannelSignal& i, int thd_order = 31) {
  ExpectedPhase e{};
  e.v_rms = Rms(v);
  e.i_rms = Rms(i);
  for (int h = 1; h <= 63; ++h) {
    const std::complex<double> sv = v.Phasor(h) * std::conj(i.Phasor(h));
    e.p += sv.real();
    e.q += sv.imag();
  }
  const std::complex<double> s1 = v.Phasor(1) * std::conj(i.Phasor(1));
  e.p1 = s1.real();
  e.q1 = s1.imag();
  e.s = e.v_rms * e.i_rms;
  e.thd_v = Thd(v, thd_order);
  e.thd_i = Thd(i, thd_order);
  return e;
}

/// Difference of two channels (for L-L voltages and their THD).
inline ChannelSignal Difference(const ChannelSignal& a, const ChannelSignal& b) {
  ChannelSignal d;
  for (int h = 1; h <= 63; ++h) {
    const std::complex<double> x = a.Phasor(h) - b.Phasor(h);
    if (std::abs(x) > 0.0) d.components.push_back({h, std::abs(x), std::arg(x) * 180.0 / kPi});
  }
  d.dc = a.dc - b.dc;
  return d;
}

/// Balanced three-phase signal, positive sequence: phase k lags by 120 k
/// degrees at the fundamental and by 120 k h degrees at order h. The current
/// lags the voltage by `phi_deg` (positive = inductive) at every order.
/// `extra` lists harmonics as (order, fraction of the fundamental) for V and I.
inline ThreePhaseSignal Balanced(double f_hz, double v_rms, double i_rms, double phi_deg,
                                 const std::vector<std::pair<int, double>>& v_harmonics = {},
                                 const std::vector<std::pair<int, double>>& i_harmonics = {}) {
  ThreePhaseSignal s;
  s.f_hz = f_hz;
  for (int p = 0; p < 3; ++p) {
    const double shift = -120.0 * p;
    auto& v = s.v[static_cast<std::size_t>(p)];
    auto& i = s.i[static_cast<std::size_t>(p)];
    v.components.push_back({1, v_rms, shift + 10.0});
    i.components.push_back({1, i_rms, shift + 10.0 - phi_deg});
    for (auto [h, frac] : v_harmonics) v.components.push_back({h, frac * v_rms, shift * h + 10.0 + 7.0 * h});
    for (auto [h, frac] : i_harmonics) i.components.push_back({h, frac * i_rms, shift * h + 10.0 + 7.0 * h - phi_deg});
  }
  return s;
}

/// Runs `seconds` of the signal through the meter and returns every window.
inline std::vector<WindowResult> RunWindows(Meter& meter, const ThreePhaseSignal& s, double seconds,
                                            std::vector<HarmonicSpectrum>* spectra = nullptr) {
  std::vector<WindowResult> out;
  const double fs = meter.config().sample_rate_hz;
  const auto n = static_cast<long>(seconds * fs);
  for (long k = 0; k < n; ++k) {
    if (meter.ProcessFrame(s.FrameAt(static_cast<double>(k) / fs)) & kEventWindow) {
      out.push_back(meter.LastWindow());
      if (spectra) spectra->push_back(meter.Spectrum());
    }
  }
  return out;
}

}  // namespace meter::testing
