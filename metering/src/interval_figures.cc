#include "meter/metering/interval_figures.h"

#include <cmath>
#include <cstddef>
#include <limits>

namespace meter {
namespace {

// sqrt of a variance that rounding may have taken just below zero; a
// non-finite one (an overflowed integral) stays NaN, never a number.
float SafeSqrt(float x) {
  if (!std::isfinite(x)) return std::numeric_limits<float>::quiet_NaN();
  return x > 0.0f ? std::sqrt(x) : 0.0f;
}

// One phase over an interval: its means and covariances. (The same float
// operations for a cycle and a window: each integral times 1/span first.)
struct PhaseMoments {
  float mv, mi, mic;  // means of v, i, compensated i
  float v_rms, i_rms;
  float p;  // covariance of v and compensated i
};

PhaseMoments Moments(const QuantityIntegrals& integral, int phase, float inv_span) {
  const float* ip = &integral[static_cast<std::size_t>(phase * kPerPhase)];
  PhaseMoments m{};
  m.mv = ip[kQvSum] * inv_span;
  m.mi = ip[kQiSum] * inv_span;
  m.mic = ip[kQicSum] * inv_span;
  m.v_rms = SafeSqrt(ip[kQvv] * inv_span - m.mv * m.mv);
  m.i_rms = SafeSqrt(ip[kQii] * inv_span - m.mi * m.mi);
  m.p = ip[kQvic] * inv_span - m.mv * m.mic;
  return m;
}

// The two-wattmeter total of a 3P3W interval, DC removed.
float TwoWattmeterP(const QuantityIntegrals& integral, float inv_span, const std::array<float, 3>& mv,
                    const std::array<float, 3>& mic) {
  return integral[kQTwoWattmeter] * inv_span - ((mv[0] - mv[1]) * mic[0] + (mv[2] - mv[1]) * mic[2]);
}

}  // namespace

IntervalMeans FillWindowTimeDomain(const QuantityIntegrals& integral, float span, Wiring wiring, WindowResult& r) {
  const float inv = 1.0f / span;
  const int phases = PhaseCount(wiring);
  const int ll_count = LineToLineCount(wiring);
  IntervalMeans means;
  std::array<float, 3> mic{};
  for (int p = 0; p < phases; ++p) {
    const auto up = static_cast<std::size_t>(p);
    const PhaseMoments m = Moments(integral, p, inv);
    means.v[up] = m.mv;
    means.i[up] = m.mi;
    mic[up] = m.mic;
    PhaseValues& ph = r.phases[up];
    ph.v_rms = m.v_rms;
    ph.i_rms = m.i_rms;
    ph.p_w = m.p;
    ph.s_va = ph.v_rms * ph.i_rms;
    r.total.p_w += ph.p_w;
    r.total.s_va += ph.s_va;
  }
  const auto& mv = means.v;
  if (ll_count == 1) {
    const float d = mv[0] - mv[1];
    r.v_ll_rms[0] = SafeSqrt(integral[kQLineToLine] * inv - d * d);
  } else if (ll_count == 3) {
    for (int l = 0; l < 3; ++l) {
      const float d = mv[static_cast<std::size_t>(l)] - mv[static_cast<std::size_t>((l + 1) % 3)];
      r.v_ll_rms[static_cast<std::size_t>(l)] =
          SafeSqrt(integral[static_cast<std::size_t>(kQLineToLine + l)] * inv - d * d);
    }
  }
  if (HasNeutral(wiring)) {
    const float d = means.i[0] + means.i[1] + means.i[2];
    r.i_n_rms = SafeSqrt(integral[kQNeutral] * inv - d * d);
  }
  if (wiring == Wiring::k3P3W) r.total.p_w = TwoWattmeterP(integral, inv, mv, mic);
  return means;
}

void FillCyclePowers(const QuantityIntegrals& integral, float span, Wiring wiring, CycleEnergy& out) {
  const float inv = 1.0f / span;
  const int phases = PhaseCount(wiring);
  out.phase_count = phases;
  std::array<float, 3> mv{}, mic{};
  for (int p = 0; p < phases; ++p) {
    const auto up = static_cast<std::size_t>(p);
    const PhaseMoments m = Moments(integral, p, inv);
    mv[up] = m.mv;
    mic[up] = m.mic;
    out.p_w[up] = m.p;
    out.s_va[up] = m.v_rms * m.i_rms;
    out.p_total_w += out.p_w[up];
    out.s_total_va += out.s_va[up];
  }
  if (wiring == Wiring::k3P3W) out.p_total_w = TwoWattmeterP(integral, inv, mv, mic);
}

}  // namespace meter
