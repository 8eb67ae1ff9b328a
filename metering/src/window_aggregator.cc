#include "meter/metering/window_aggregator.h"

#include <cmath>
#include <cstddef>
#include <limits>

#include "float_ratio.h"

namespace meter {
using detail::Ratio;

bool WindowAggregator::Add(const WindowResult& w) {
  AggregateResult& a = sums_;
  const float dt = w.duration_s;
  a.flags |= w.flags;
  a.duration_s += dt;
  a.phase_count = w.phase_count;
  a.line_to_line_count = w.line_to_line_count;
  for (int p = 0; p < w.phase_count; ++p) {
    const auto up = static_cast<std::size_t>(p);
    a.phases[up].v_rms += w.phases[up].v_rms * w.phases[up].v_rms;
    a.phases[up].i_rms += w.phases[up].i_rms * w.phases[up].i_rms;
    a.phases[up].p_w += w.phases[up].p_w * dt;
    a.phases[up].q_var += w.phases[up].q_var * dt;
    a.phases[up].s_va += w.phases[up].s_va * dt;
  }
  for (int l = 0; l < w.line_to_line_count; ++l) {
    const auto ul = static_cast<std::size_t>(l);
    a.v_ll_rms[ul] += w.v_ll_rms[ul] * w.v_ll_rms[ul];
  }
  a.i_n_rms += w.i_n_rms * w.i_n_rms;
  a.total.p_w += w.total.p_w * dt;
  a.total.q_var += w.total.q_var * dt;
  a.total.s_va += w.total.s_va * dt;
  if (++windows_ < kWindowsPerAggregate) return false;

  const float n = static_cast<float>(windows_);
  AggregateResult out = a;
  out.sequence = sequence_++;
  out.end_sample = w.end_sample;
  out.end_frac = w.end_frac;
  for (int p = 0; p < out.phase_count; ++p) {
    PhaseValues& ph = out.phases[static_cast<std::size_t>(p)];
    ph.v_rms = std::sqrt(ph.v_rms / n);
    ph.i_rms = std::sqrt(ph.i_rms / n);
    ph.p_w = Ratio(ph.p_w, a.duration_s);
    ph.q_var = Ratio(ph.q_var, a.duration_s);
    ph.s_va = Ratio(ph.s_va, a.duration_s);
    ph.pf = Ratio(ph.p_w, ph.s_va);
    ph.p1_w = ph.q1_var = ph.thd_v_pct = ph.thd_i_pct = std::numeric_limits<float>::quiet_NaN();
  }
  for (auto& x : out.v_ll_rms) x = std::sqrt(x / n);
  out.i_n_rms = std::sqrt(out.i_n_rms / n);
  out.total.p_w = Ratio(out.total.p_w, a.duration_s);
  out.total.q_var = Ratio(out.total.q_var, a.duration_s);
  out.total.s_va = Ratio(out.total.s_va, a.duration_s);
  out.total.pf = Ratio(out.total.p_w, out.total.s_va);
  last_ = out;
  sums_ = AggregateResult{};
  windows_ = 0;
  return true;
}

}  // namespace meter
