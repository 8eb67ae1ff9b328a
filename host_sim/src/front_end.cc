#include "meter/host_sim/front_end.h"

#include <algorithm>
#include <cmath>
#include <complex>

namespace meter::host_sim {
namespace {
constexpr double kPi = 3.14159265358979323846;
}

double ErrorCurve::At(double i_over_in) const {
  if (points.empty()) return 0.0;
  if (i_over_in <= points.front().first) return points.front().second;
  if (i_over_in >= points.back().first) return points.back().second;
  for (std::size_t k = 1; k < points.size(); ++k) {
    if (i_over_in <= points[k].first) {
      const double x0 = std::log(points[k - 1].first), x1 = std::log(points[k].first);
      const double t = (std::log(i_over_in) - x0) / (x1 - x0);
      return points[k - 1].second + t * (points[k].second - points[k - 1].second);
    }
  }
  return points.back().second;
}

FrontEndConfig FrontEndConfig::Default(FrontEndKind kind) {
  FrontEndConfig c;
  c.kind = kind;
  if (kind == FrontEndKind::kMv5) {
    // A class 0.5 333 mV split-core sensor, 100 A rated.
    c.in_a = 100.0;
    c.ratio_error_pct.points = {{0.01, -0.45}, {0.05, -0.30}, {0.2, -0.20}, {1.0, -0.15}, {1.2, -0.15}};
    c.phase_error_deg.points = {{0.01, 0.55}, {0.05, 0.45}, {0.2, 0.40}, {1.0, 0.35}, {1.2, 0.35}};
  } else {
    // A class 0.5S 100/5 CT into the 5 A input.
    c.ct_ratio = 20.0;
    c.in_a = 5.0 * c.ct_ratio;
    c.ratio_error_pct.points = {{0.01, -0.40}, {0.05, -0.25}, {0.2, -0.15}, {1.0, -0.10}, {1.2, -0.10}};
    c.phase_error_deg.points = {{0.01, 0.40}, {0.05, 0.30}, {0.2, 0.22}, {1.0, 0.18}, {1.2, 0.18}};
  }
  return c;
}

MeterConfig MeterConfigFor(const FrontEndConfig& fe) {
  MeterConfig m;
  m.sample_rate_hz = static_cast<float>(fe.sample_rate_hz);
  m.nominal_voltage_v = static_cast<float>(fe.un_v);
  m.rated_current_a = static_cast<float>(fe.in_a);
  // Voltage: 1.5 x 277 V peak through the divider fills the ADC.
  m.voltage_full_scale = static_cast<float>(1.5 * 277.0 * std::sqrt(2.0) / fe.voltage_divider);
  for (auto& r : m.vt_ratio) r = static_cast<float>(fe.voltage_divider);
  if (fe.kind == FrontEndKind::kMv5) {
    // 333 mV at In; Imax = 1.2 In with crest factor 1.414: 0.4 V x sqrt(2) peak, with margin.
    m.current_full_scale = 0.6f;
    for (auto& r : m.ct_ratio) r = static_cast<float>(fe.in_a / 0.333);
  } else {
    // 5 A secondary through the shunt; crest factor 3 at Imax (6 A): 18 A peak, with margin.
    m.current_full_scale = static_cast<float>(19.0 * fe.shunt_ohm);
    for (auto& r : m.ct_ratio) r = static_cast<float>(fe.ct_ratio / fe.shunt_ohm);
  }
  return m;
}

FrontEnd::FrontEnd(const FrontEndConfig& config) : config_(config), rng_(config.noise_seed) {}

void FrontEnd::SetSignal(const PrimarySignal& s) {
  f_hz_ = s.f_hz;
  const MeterConfig m = MeterConfigFor(config_);
  for (int ch = 0; ch < 6; ++ch) {
    const bool is_v = ch < 3;
    const auto p = static_cast<std::size_t>(ch % 3);
    const auto& src = is_v ? s.v[p] : s.i[p];
    Wave& w = waves_[static_cast<std::size_t>(ch)];
    w.components.clear();
    w.full_scale = is_v ? m.voltage_full_scale : m.current_full_scale;
    // The sensor's errors depend on the current's magnitude (its rms).
    double i_rms = 0;
    for (const auto& c : src) i_rms += c.rms * c.rms;
    i_rms = std::sqrt(i_rms);
    const double i_over_in = std::max(i_rms / config_.in_a, 1e-4);
    for (const auto& c : src) {
      std::complex<double> x = std::polar(c.rms, c.phase_rad);
      if (is_v) {
        x /= config_.voltage_divider;
      } else {
        const double ratio = 1.0 + config_.ratio_error_pct.At(i_over_in) / 100.0;
        const double phase = config_.phase_error_deg.At(i_over_in) * kPi / 180.0;
        x *= ratio * std::polar(1.0, phase);
        if (config_.kind == FrontEndKind::kMv5) {
          x *= 0.333 / config_.in_a;                         // sensor: 333 mV at In
          x *= 100e3 / (100e3 + config_.sensor_source_ohm);  // loaded by the 100 kOhm input
        } else {
          x *= config_.shunt_ohm / config_.ct_ratio;  // CT secondary into the shunt
        }
      }
      // Anti-aliasing filter (first order), and the current channels'
      // sampling skew (a delay of the sampling instant is a phase lag).
      const double f = c.order * s.f_hz;
      x /= std::complex<double>(1.0, f / config_.adc.aa_cutoff_hz);
      if (!is_v) x *= std::polar(1.0, -2.0 * kPi * f * config_.skew_s);
      w.components.push_back({c.order, std::abs(x), std::arg(x)});
    }
    w.gain = 1.0 + config_.channel_gain_error[static_cast<std::size_t>(ch)];
    w.noise_rms = w.full_scale / std::sqrt(2.0) * std::pow(10.0, -config_.adc.snr_db / 20.0);
    w.dc = config_.adc.offset_fs * w.full_scale * (ch % 2 == 0 ? 1.0 : -0.7);
  }
}

std::array<double, 6> FrontEnd::RawSample(long n) {
  const double t = static_cast<double>(n) / config_.sample_rate_hz;
  std::array<double, 6> out{};
  for (std::size_t ch = 0; ch < 6; ++ch) {
    const Wave& w = waves_[ch];
    double x = w.dc;
    for (const auto& c : w.components)
      x += std::sqrt(2.0) * c.rms * std::cos(2.0 * kPi * c.order * f_hz_ * t + c.phase_rad);
    out[ch] = x * w.gain + w.noise_rms * normal_(rng_);
  }
  return out;
}

AdcFrame FrontEnd::CodeFrame(long n) {
  const auto raw = RawSample(n);
  const double full = std::ldexp(1.0, config_.adc.bits - 1);
  AdcFrame f;
  for (std::size_t ch = 0; ch < 6; ++ch) {
    const double q = std::nearbyint(raw[ch] / waves_[ch].full_scale * full);
    const auto code = static_cast<std::int32_t>(std::clamp(q, -full, full - 1.0));
    (ch < 3 ? f.v[ch] : f.i[ch - 3]) = code;
  }
  return f;
}

SampleFrame FrontEnd::InputFrame(long n) {
  const AdcFrame codes = CodeFrame(n);
  const double full = std::ldexp(1.0, config_.adc.bits - 1);
  SampleFrame f;
  for (std::size_t p = 0; p < 3; ++p) {
    f.v[p] = static_cast<float>(codes.v[p] / full * waves_[p].full_scale);
    f.i[p] = static_cast<float>(codes.i[p] / full * waves_[3 + p].full_scale);
  }
  return f;
}

}  // namespace meter::host_sim
