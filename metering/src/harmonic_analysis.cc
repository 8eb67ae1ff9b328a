#include "meter/metering/harmonic_analysis.h"

#include <cmath>
#include <complex>
#include <limits>
#include <new>

#include "meter/metering/symmetrical_components.h"

namespace meter {
namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
constexpr float kSqrt2 = 1.41421356237f;

std::complex<float> ToStd(dsp::ComplexF c) { return {c.re, c.im}; }

// The power of a subgroup (order h and its two neighbours).
template <typename Bins>
float SubgroupSquare(const Bins& b, int h) {
  return dsp::Norm(b.at(h, -1)) + dsp::Norm(b.at(h, 0)) + dsp::Norm(b.at(h, 1));
}

// THD over the subgroups 2..max_order, in percent of the first; NaN when
// the fundamental is not above `min_fundamental` (no meaningful ratio).
template <typename Bins>
float ThdPct(const Bins& b, int max_order, float min_fundamental) {
  const float g1 = std::sqrt(SubgroupSquare(b, 1));
  if (!(g1 > min_fundamental)) return kNaN;
  float sum = 0.0f;
  for (int h = 2; h <= max_order; ++h) sum += SubgroupSquare(b, h);
  return 100.0f * std::sqrt(sum) / g1;
}

}  // namespace

template <typename Numeric>
Status HarmonicAnalysis<Numeric>::Init(const MeterConfig& config, int cycles_per_window, float v_unit, float i_unit) {
  // Rebuilt in place: a temporary of this size would not fit a firmware stack.
  this->~HarmonicAnalysis();
  new (this) HarmonicAnalysis();
  wiring_ = config.wiring;
  phases_ = PhaseCount(config.wiring);
  line_to_line_count_ = LineToLineCount(config.wiring);
  cycles_per_window_ = cycles_per_window;
  max_order_ = config.max_harmonic_order;
  rate_hz_ = static_cast<float>(config.sample_rate_hz);
  nominal_hz_ = config.nominal_hz;
  v_unit_ = v_unit;
  i_unit_ = i_unit;
  min_fundamental_v_ = 1e-4f * config.nominal_voltage_v;
  min_fundamental_i_ = 1e-5f * config.rated_current_a;
  if (Status s = transform_.Init(cycles_per_window); s != Status::kOk) return s;
  // Phase compensation in the spectrum: a rotation by h * phi at order h,
  // the h-th power of the first order's (a running product over the orders:
  // after 50 products its angle is off by about 1e-6 rad).
  for (std::size_t p = 0; p < 3; ++p) {
    const double phi = static_cast<double>(config.phase_comp_deg[p]) * 3.14159265358979323846 / 180.0;
    comp_rotation_[p] = {static_cast<float>(std::cos(phi)), static_cast<float>(std::sin(phi))};
    const double sub = phi / cycles_per_window;
    comp_rotation_subgroup_[p] = {static_cast<float>(std::cos(sub)), static_cast<float>(std::sin(sub))};
  }
  return Status::kOk;
}

template <typename Numeric>
void HarmonicAnalysis<Numeric>::AccumulateCycle(int index_in_window) {
  for (std::size_t ch = 0; ch < cycle_points_.size(); ++ch) {
    if (ch % 3 < static_cast<std::size_t>(phases_))
      transform_.AccumulateCycle(cycle_points_[ch].data(), index_in_window, bins_[ch]);
  }
}

template <typename Numeric>
int HarmonicAnalysis<Numeric>::UsableOrder(float f1_hz, const dsp::SincInterpolator& resampler) const {
  int usable = 0;
  for (int h = 1; h <= dsp::kMaxHarmonicOrder; ++h) {
    const float f_top = (static_cast<float>(h) + 1.0f / static_cast<float>(cycles_per_window_)) * f1_hz;
    if (f_top < resampler.cutoff() * rate_hz_) usable = h;
  }
  return usable;
}

template <typename Numeric>
void HarmonicAnalysis<Numeric>::Equalise(int usable, float f1, const dsp::SincInterpolator& resampler) {
  {
    // The phases' voltages, then their currents.
    std::array<float, 6> units{};
    std::array<dsp::SubgroupBins<Numeric>*, 6> channels{};
    for (int p = 0; p < phases_; ++p) {
      const auto up = static_cast<std::size_t>(p);
      units[up] = v_unit_;
      units[up + static_cast<std::size_t>(phases_)] = i_unit_;
      channels[up] = &bins_[up];
      channels[up + static_cast<std::size_t>(phases_)] = &bins_[3 + up];
    }
    transform_.FinishWindows(units.data(), channels.data(), 2 * phases_);
  }
  // Scale DFT sums to rms phasors, undo the interpolator's response and
  // apply each current channel's phase compensation as an exact rotation.
  const int cycles = cycles_per_window_;
  const float scale = kSqrt2 / static_cast<float>(dsp::kPointsPerCycle * cycles);
  std::array<dsp::ComplexF, 3> rotation_h{};
  rotation_h.fill({1.0f, 0.0f});
  for (int h = 1; h <= usable; ++h) {
    for (std::size_t p = 0; p < 3; ++p) rotation_h[p] = rotation_h[p] * comp_rotation_[p];
    for (int d = -1; d <= 1; ++d) {
      const float order = static_cast<float>(h) + static_cast<float>(d) / static_cast<float>(cycles);
      const float gain = scale / resampler.Response(order * f1 / rate_hz_);
      for (int p = 0; p < phases_; ++p) {
        const auto up = static_cast<std::size_t>(p);
        bins_[up].at(h, d) = bins_[up].at(h, d) * gain;
        // The rotation of order h + d/C: that of h, turned by +-1/C of the angle.
        dsp::ComplexF rot = rotation_h[up];
        if (d != 0) rot = rot * (d > 0 ? comp_rotation_subgroup_[up] : dsp::Conj(comp_rotation_subgroup_[up]));
        bins_[3 + up].at(h, d) = bins_[3 + up].at(h, d) * gain * rot;
      }
      if (wiring_ == Wiring::k3P3W) {
        const dsp::ComplexF star = (bins_[0].at(h, d) + bins_[1].at(h, d) + bins_[2].at(h, d)) * (1.0f / 3.0f);
        for (int p = 0; p < 3; ++p)
          bins_[static_cast<std::size_t>(p)].at(h, d) = bins_[static_cast<std::size_t>(p)].at(h, d) - star;
      }
    }
  }
}

template <typename Numeric>
void HarmonicAnalysis<Numeric>::FinishWindow(WindowResult& r, bool every_cycle_resampled, int reference_phase,
                                             const dsp::SincInterpolator& resampler) {
  const float f1 = std::isfinite(r.f_hz) ? r.f_hz : nominal_hz_;
  const int usable = UsableOrder(f1, resampler);
  int thd_order = max_order_;
  if (thd_order > usable) {
    thd_order = usable;
    r.flags |= kFlagThdOrderLimited;
  }
  r.thd_max_order = thd_order;

  if (!every_cycle_resampled || usable < 2) {
    r.flags |= kFlagSpectrumIncomplete;
    for (int p = 0; p < phases_; ++p) {
      PhaseValues& ph = r.phases[static_cast<std::size_t>(p)];
      ph.q_var = ph.p1_w = ph.q1_var = ph.thd_v_pct = ph.thd_i_pct = kNaN;
    }
    r.total.q_var = kNaN;
    for (auto& x : r.thd_v_ll_pct) x = kNaN;
    r.unbalance_v_pct = r.unbalance_v0_pct = r.unbalance_i_pct = r.unbalance_i0_pct = kNaN;
    spectrum_.max_order = 0;
    for (auto& b : bins_) b.Reset();
    return;
  }
  Equalise(usable, f1, resampler);

  r.total.q_var = 0.0f;
  for (int p = 0; p < phases_; ++p) {
    const auto up = static_cast<std::size_t>(p);
    const auto& vb = bins_[up];
    const auto& ib = bins_[3 + up];
    PhaseValues& ph = r.phases[up];
    // Budeanu Q: the voltage shifted by 90 degrees at every frequency, i.e.
    // Im(V conj(I)) summed over every analysed bin.
    float q = 0.0f;
    for (int h = 1; h <= usable; ++h) {
      for (int d = -1; d <= 1; ++d) q += dsp::CrossIm(vb.at(h, d), ib.at(h, d));
    }
    ph.q_var = q;
    ph.p1_w = dsp::CrossRe(vb.at(1, 0), ib.at(1, 0));
    ph.q1_var = dsp::CrossIm(vb.at(1, 0), ib.at(1, 0));
    ph.thd_v_pct = ThdPct(vb, thd_order, min_fundamental_v_);
    ph.thd_i_pct = ThdPct(ib, thd_order, min_fundamental_i_);
    r.total.q_var += q;
  }
  if (wiring_ == Wiring::k3P3W) {
    float q = 0.0f;
    for (int h = 1; h <= usable; ++h) {
      for (int d = -1; d <= 1; ++d) {
        q += dsp::CrossIm(bins_[0].at(h, d) - bins_[1].at(h, d), bins_[3].at(h, d)) +
             dsp::CrossIm(bins_[2].at(h, d) - bins_[1].at(h, d), bins_[5].at(h, d));
      }
    }
    r.total.q_var = q;
  }

  // Spectrum for the API: subgroup magnitudes, phases relative to the
  // reference voltage's fundamental: order h turned back by h times its
  // angle, as a rotation (powers of its unit phasor), so each phase is the
  // direction of one complex number, with no angle arithmetic to wrap.
  std::array<dsp::ComplexF, dsp::kMaxHarmonicOrder + 1> turn_back{};
  {
    const dsp::ComplexF ref = bins_[static_cast<std::size_t>(reference_phase)].at(1, 0);
    const float ref_abs = std::sqrt(dsp::Norm(ref));
    const dsp::ComplexF unit = ref_abs > 0.0f ? dsp::Conj(ref) * (1.0f / ref_abs) : dsp::ComplexF{1.0f, 0.0f};
    turn_back[0] = {1.0f, 0.0f};
    for (int h = 1; h <= thd_order; ++h)
      turn_back[static_cast<std::size_t>(h)] = turn_back[static_cast<std::size_t>(h - 1)] * unit;
  }
  spectrum_.max_order = thd_order;
  const auto fill = [&](SpectrumChannel ch, const auto& b) {
    const auto uc = static_cast<std::size_t>(ch);
    for (int h = 1; h <= thd_order; ++h) {
      const auto uh = static_cast<std::size_t>(h);
      spectrum_.magnitude[uc][uh] = std::sqrt(SubgroupSquare(b, h));
      const dsp::ComplexF relative = b.at(h, 0) * turn_back[uh];
      spectrum_.phase_code[uc][uh] = HarmonicSpectrum::PhaseCode(relative.re, relative.im);
    }
  };
  for (int p = 0; p < phases_; ++p) {
    fill(static_cast<SpectrumChannel>(p), bins_[static_cast<std::size_t>(p)]);
    fill(static_cast<SpectrumChannel>(3 + p), bins_[static_cast<std::size_t>(3 + p)]);
  }
  // Line-to-line spectra are differences of phase spectra, built one at a
  // time (only their fundamentals are kept, for the unbalance).
  std::array<dsp::ComplexF, 3> ll_fundamental{};
  {
    dsp::HarmonicBins ll;
    for (int l = 0; l < line_to_line_count_; ++l) {
      const auto a = static_cast<std::size_t>(l), b = static_cast<std::size_t>((l + 1) % 3);
      for (int h = 1; h <= usable; ++h) {
        for (int d = -1; d <= 1; ++d)
          ll.at(h, d) = bins_[a].at(h, d) - bins_[line_to_line_count_ == 1 ? 1 : b].at(h, d);
      }
      r.thd_v_ll_pct[a] = ThdPct(ll, thd_order, min_fundamental_v_);
      ll_fundamental[a] = ll.at(1, 0);
      fill(static_cast<SpectrumChannel>(6 + l), ll);
    }
  }

  if (r.has_unbalance) {
    const auto fundamental = [&](const auto& b) { return ToStd(b.at(1, 0)); };
    SequenceComponents vs;
    if (wiring_ == Wiring::k3P4W) {
      vs = ComputeSequenceComponents(fundamental(bins_[0]), fundamental(bins_[1]), fundamental(bins_[2]));
      r.unbalance_v0_pct = vs.ZeroRatioPct();
    } else {
      // 3P3W and high-leg delta: the L-L set, which carries no zero
      // sequence (the high leg makes the L-N set unbalanced by design).
      vs = ComputeSequenceComponents(ToStd(ll_fundamental[0]), ToStd(ll_fundamental[1]), ToStd(ll_fundamental[2]));
      r.unbalance_v0_pct = kNaN;
    }
    r.unbalance_v_pct = vs.NegativeRatioPct();
    const SequenceComponents is =
        ComputeSequenceComponents(fundamental(bins_[3]), fundamental(bins_[4]), fundamental(bins_[5]));
    r.unbalance_i_pct = is.NegativeRatioPct();
    r.unbalance_i0_pct = is.ZeroRatioPct();
  }
  for (auto& b : bins_) b.Reset();
}

template class HarmonicAnalysis<dsp::FloatNumeric>;
template class HarmonicAnalysis<dsp::Q31Numeric>;

}  // namespace meter
