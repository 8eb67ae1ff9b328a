#include "meter/metering/self_test.h"

#include <cmath>
#include <limits>

namespace meter::selftest {
namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr float kVoltageFullScale = 676.0f;
constexpr float kCurrentFullScale = 18.0f;

// cos and sin of 2 pi `turns` by range reduction and a Taylor series: only
// + and *, so every IEEE machine gets the same bits.
void CosSinTurns(double turns, double& c, double& s) {
  turns -= static_cast<double>(static_cast<long long>(turns));
  if (turns > 0.5) turns -= 1.0;
  if (turns < -0.5) turns += 1.0;
  const double x = 2.0 * kPi * turns;
  double term_c = 1.0, term_s = x, sum_c = 1.0, sum_s = x;
  const double x2 = x * x;
  for (int k = 1; k < 20; ++k) {
    term_c = -term_c * x2 / static_cast<double>((2 * k - 1) * (2 * k));
    term_s = -term_s * x2 / static_cast<double>((2 * k) * (2 * k + 1));
    sum_c += term_c;
    sum_s += term_s;
  }
  c = sum_c;
  s = sum_s;
}

std::int32_t ToCode(double value, float full_scale) {
  constexpr double kCodes = static_cast<double>(1 << (kAdcBits - 1));
  double code = value / static_cast<double>(full_scale) * kCodes;
  code = code >= 0 ? code + 0.5 : code - 0.5;  // round half away, no libm
  if (code > kCodes - 1) code = kCodes - 1;
  if (code < -kCodes) code = -kCodes;
  return static_cast<std::int32_t>(code);
}

// 3P4W, slightly unbalanced, voltage harmonics 3/5/7 and a current with
// orders up to 31; phase A inductive, B capacitive, C nearly resistive.
const std::array<Signal::Channel, 6> kDefinition = {{
    {{{{1, 230.0, 0.0}, {3, 2.3, 15.0}, {5, 6.9, -40.0}, {7, 4.6, 70.0}}}, 4},
    {{{{1, 231.5, -120.0}, {3, 2.0, 20.0}, {5, 6.0, 80.0}, {7, 4.0, -60.0}}}, 4},
    {{{{1, 228.0, 120.0}, {3, 2.5, 10.0}, {5, 7.2, 200.0}, {7, 3.5, 190.0}}}, 4},
    {{{{1, 5.0, -30.0},
       {3, 0.5, -20.0},
       {5, 0.4, 10.0},
       {7, 0.25, 45.0},
       {11, 0.1, 0.0},
       {13, 0.05, 30.0},
       {31, 0.025, 60.0}}},
     7},
    {{{{1, 3.0, -120.0 + 45.0}, {3, 0.24, 100.0}, {5, 0.15, -150.0}, {11, 0.06, 20.0}}}, 4},
    {{{{1, 1.5, 120.0 - 5.0}, {5, 0.12, 40.0}, {7, 0.09, 5.0}, {29, 0.015, -80.0}}}, 4},
}};

float FullScale(std::size_t channel) { return channel < 3 ? kVoltageFullScale : kCurrentFullScale; }

double ChannelRms(const Signal::Channel& ch, bool harmonics_only) {
  double sum = 0;
  for (int k = 0; k < ch.count; ++k) {
    const auto& t = ch.tones[static_cast<std::size_t>(k)];
    if (harmonics_only && t.order == 1) continue;
    sum += t.rms * t.rms;
  }
  return std::sqrt(sum);
}

// Sum over common orders of Vh Ih cos or sin of (phi_v - phi_i).
double CrossPower(const Signal::Channel& v, const Signal::Channel& i, bool reactive) {
  double sum = 0;
  for (int a = 0; a < v.count; ++a) {
    for (int b = 0; b < i.count; ++b) {
      const auto& tv = v.tones[static_cast<std::size_t>(a)];
      const auto& ti = i.tones[static_cast<std::size_t>(b)];
      if (tv.order != ti.order) continue;
      const double phi = (tv.phase_deg - ti.phase_deg) * kPi / 180.0;
      sum += tv.rms * ti.rms * (reactive ? std::sin(phi) : std::cos(phi));
    }
  }
  return sum;
}

struct Phasor {
  double re = 0, im = 0;
};
// Phasor of one order of a channel (rms, cosine reference).
Phasor OrderPhasor(const Signal::Channel& ch, int order) {
  Phasor z;
  for (int k = 0; k < ch.count; ++k) {
    const auto& t = ch.tones[static_cast<std::size_t>(k)];
    if (t.order != order) continue;
    z.re += t.rms * std::cos(t.phase_deg * kPi / 180.0);
    z.im += t.rms * std::sin(t.phase_deg * kPi / 180.0);
  }
  return z;
}

// rms of sum(weights[k] * channel[k]) over every order present.
double CombinationRms(const std::array<Signal::Channel, 6>& d, std::size_t first,
                      const std::array<double, 3>& weights) {
  double sum = 0;
  for (int order = 1; order <= 50; ++order) {
    Phasor z;
    for (std::size_t k = 0; k < 3; ++k) {
      const Phasor part = OrderPhasor(d[first + k], order);
      z.re += weights[k] * part.re;
      z.im += weights[k] * part.im;
    }
    sum += z.re * z.re + z.im * z.im;
  }
  return std::sqrt(sum);
}

}  // namespace

EnergyMeterConfig Config() {
  EnergyMeterConfig c;
  c.meter.wiring = Wiring::k3P4W;
  c.meter.sample_rate_hz = kSampleRateHz;
  c.meter.nominal_hz = 50.0f;
  c.meter.nominal_voltage_v = 230.0f;
  c.meter.rated_current_a = 5.0f;
  c.meter.voltage_full_scale = kVoltageFullScale;
  c.meter.current_full_scale = kCurrentFullScale;
  c.meter.adc_bits = kAdcBits;
  c.meter.max_harmonic_order = 31;
  c.save_period_s = 1.0f;  // saves during the run exercise the store
  return c;
}

const std::array<Signal::Channel, 6>& Signal::Definition() { return kDefinition; }

Signal::Signal(double fundamental_hz) {
  const double cycles_per_sample = fundamental_hz / kSampleRateHz;
  for (std::size_t ch = 0; ch < 6; ++ch) {
    for (int k = 0; k < kDefinition[ch].count; ++k) {
      const auto& t = kDefinition[ch].tones[static_cast<std::size_t>(k)];
      Rotor& r = rotors_[ch][static_cast<std::size_t>(k)];
      const double amplitude = t.rms * 1.4142135623730950488;
      double c = 0, s = 0;
      CosSinTurns(t.phase_deg / 360.0, c, s);
      r.re = amplitude * c;
      r.im = amplitude * s;
      CosSinTurns(cycles_per_sample * t.order, r.step_re, r.step_im);
    }
  }
}

AdcFrame Signal::Next() {
  AdcFrame f;
  for (std::size_t ch = 0; ch < 6; ++ch) {
    double x = 0;
    for (int k = 0; k < kDefinition[ch].count; ++k) {
      Rotor& r = rotors_[ch][static_cast<std::size_t>(k)];
      x += r.re;
      const double re = r.re * r.step_re - r.im * r.step_im;
      r.im = r.re * r.step_im + r.im * r.step_re;
      r.re = re;
    }
    const std::int32_t code = ToCode(x, FullScale(ch));
    if (ch < 3) {
      f.v[ch] = code;
    } else {
      f.i[ch - 3] = code;
    }
  }
  ++position_;
  return f;
}

SampleFrame ToInputUnits(const AdcFrame& codes) {
  constexpr float kPerCode = 1.0f / static_cast<float>(1 << (kAdcBits - 1));
  SampleFrame f;
  for (std::size_t p = 0; p < 3; ++p) {
    f.v[p] = static_cast<float>(codes.v[p]) * (kVoltageFullScale * kPerCode);
    f.i[p] = static_cast<float>(codes.i[p]) * (kCurrentFullScale * kPerCode);
  }
  return f;
}

void Fill(Signal& signal, std::span<AdcFrame> block) {
  for (AdcFrame& f : block) f = signal.Next();
}
void Fill(Signal& signal, std::span<SampleFrame> block) {
  for (SampleFrame& f : block) f = ToInputUnits(signal.Next());
}

const char* FieldName(int field) {
  constexpr const char* kNames[kFieldCount] = {"v_a",
                                               "v_b",
                                               "v_c",
                                               "i_a",
                                               "i_b",
                                               "i_c",
                                               "p_a",
                                               "p_b",
                                               "p_c",
                                               "q_a",
                                               "q_b",
                                               "q_c",
                                               "s_a",
                                               "s_b",
                                               "s_c",
                                               "thd_v_a",
                                               "thd_v_b",
                                               "thd_v_c",
                                               "thd_i_a",
                                               "thd_i_b",
                                               "thd_i_c",
                                               "v_ab",
                                               "v_bc",
                                               "v_ca",
                                               "i_n",
                                               "p_total",
                                               "q_total",
                                               "s_total",
                                               "pf_total",
                                               "f_hz",
                                               "kwh_imp_wh",
                                               "kvarh_imp_varh",
                                               "kvah_vah",
                                               "kwh_imp_a_wh",
                                               "kwh_imp_b_wh",
                                               "kwh_imp_c_wh",
                                               "registered_s",
                                               "reactive_registered_s",
                                               "window_sequence",
                                               "window_flags"};
  return field >= 0 && field < kFieldCount ? kNames[field] : "?";
}

namespace {
// The scale a field's tolerances are fractions of.
double FieldScale(int field) {
  constexpr double kUn = 230.0, kIn = 5.0;
  if (field <= kVc || (field >= kVab && field <= kVca)) return kUn;
  if (field <= kIc || field == kIn) return kIn;
  if (field <= kSc) return kUn * kIn;
  if (field <= kThdIc) return 100.0;
  if (field <= kSTotal) return 3 * kUn * kIn;
  if (field == kPfTotal || field == kFrequency) return 1.0;
  if (field <= kEnergyImportCWh) return 3 * kUn * kIn * 3.0 / 3600.0;  // 3 s at 3 Un In, Wh
  if (field <= kReactiveRegisteredSeconds) return 3.0;                 // s
  return 0.0;
}
}  // namespace

double HostTolerance(int field) { return 1e-5 * FieldScale(field); }

double ExactFor(int field, const Summary& exact, const Summary& measured) {
  const auto at = [](const Summary& s, int f) { return s[static_cast<std::size_t>(f)]; };
  const double hours = at(measured, kRegisteredSeconds) / 3600.0;
  switch (field) {
    case kEnergyImportWh:
      return at(exact, kPTotal) * hours;
    case kEnergyReactiveImportVarh:
      return at(exact, kQTotal) * at(measured, kReactiveRegisteredSeconds) / 3600.0;
    case kEnergyApparentVah:
      return at(exact, kSTotal) * hours;
    case kEnergyImportAWh:
    case kEnergyImportBWh:
    case kEnergyImportCWh:
      return at(exact, kPa + field - kEnergyImportAWh) * hours;
    default:
      return at(exact, field);
  }
}

double ExactTolerance(int field, double exact_value) {
  if (field >= kRegisteredSeconds) return std::numeric_limits<double>::quiet_NaN();
  if (field >= kEnergyImportWh) return 1e-4 * std::fabs(exact_value);
  if (field >= kThdVa && field <= kThdIc) return 0.005;  // percentage points
  if (field == kFrequency) return 0.0005;                // Hz
  if (field == kPfTotal) return 1e-4;
  return 1e-4 * FieldScale(field);
}

template <typename Numeric>
Summary Summarise(const BasicEnergyMeter<Numeric>& meter, const RegisterMark& since) {
  Summary s{};
  const WindowResult& w = meter.meter().LastWindow();
  for (int p = 0; p < 3; ++p) {
    const auto& ph = w.phases[static_cast<std::size_t>(p)];
    s[static_cast<std::size_t>(kVa + p)] = static_cast<double>(ph.v_rms);
    s[static_cast<std::size_t>(kIa + p)] = static_cast<double>(ph.i_rms);
    s[static_cast<std::size_t>(kPa + p)] = static_cast<double>(ph.p_w);
    s[static_cast<std::size_t>(kQa + p)] = static_cast<double>(ph.q_var);
    s[static_cast<std::size_t>(kSa + p)] = static_cast<double>(ph.s_va);
    s[static_cast<std::size_t>(kThdVa + p)] = static_cast<double>(ph.thd_v_pct);
    s[static_cast<std::size_t>(kThdIa + p)] = static_cast<double>(ph.thd_i_pct);
    s[static_cast<std::size_t>(kVab + p)] = static_cast<double>(w.v_ll_rms[static_cast<std::size_t>(p)]);
  }
  s[kIn] = static_cast<double>(w.i_n_rms);
  s[kPTotal] = static_cast<double>(w.total.p_w);
  s[kQTotal] = static_cast<double>(w.total.q_var);
  s[kSTotal] = static_cast<double>(w.total.s_va);
  s[kPfTotal] = static_cast<double>(w.total.pf);
  s[kFrequency] = static_cast<double>(w.f_hz);
  const EnergyRegisters& r = meter.registers();
  const EnergyState& e = r.state();
  const EnergyState& e0 = since.state;
  const auto wh = [&](const EnergyCounter& now, const EnergyCounter& then) {
    return 1000.0 * (r.Kilo(now) - r.Kilo(then));
  };
  s[kEnergyImportWh] = wh(e.total.kwh_imp, e0.total.kwh_imp);
  s[kEnergyReactiveImportVarh] = wh(e.total.kvarh_imp, e0.total.kvarh_imp);
  s[kEnergyApparentVah] = wh(e.total.kvah, e0.total.kvah);
  for (std::size_t p = 0; p < 3; ++p) s[kEnergyImportAWh + p] = wh(e.phases[p].kwh_imp, e0.phases[p].kwh_imp);
  s[kRegisteredSeconds] = r.Seconds(e.on_ticks - e0.on_ticks);
  s[kReactiveRegisteredSeconds] = r.Seconds(r.reactive_ticks() - since.reactive_ticks);
  s[kWindowSequence] = w.sequence;
  s[kWindowFlags] = w.flags;
  return s;
}

template Summary Summarise(const BasicEnergyMeter<dsp::FloatNumeric>&, const RegisterMark&);
template Summary Summarise(const BasicEnergyMeter<dsp::Q31Numeric>&, const RegisterMark&);

Summary Exact() {
  Summary s;
  s.fill(std::numeric_limits<double>::quiet_NaN());
  const auto& d = kDefinition;
  double p_total = 0, q_total = 0, s_total = 0;
  for (std::size_t p = 0; p < 3; ++p) {
    const double v = ChannelRms(d[p], false), i = ChannelRms(d[3 + p], false);
    const double pw = CrossPower(d[p], d[3 + p], false), q = CrossPower(d[p], d[3 + p], true);
    s[kVa + p] = v;
    s[kIa + p] = i;
    s[kPa + p] = pw;
    s[kQa + p] = q;
    s[kSa + p] = v * i;
    s[kThdVa + p] = 100.0 * ChannelRms(d[p], true) / d[p].tones[0].rms;
    s[kThdIa + p] = 100.0 * ChannelRms(d[3 + p], true) / d[3 + p].tones[0].rms;
    p_total += pw;
    q_total += q;
    s_total += v * i;
  }
  s[kVab] = CombinationRms(d, 0, {1.0, -1.0, 0.0});
  s[kVbc] = CombinationRms(d, 0, {0.0, 1.0, -1.0});
  s[kVca] = CombinationRms(d, 0, {-1.0, 0.0, 1.0});
  s[kIn] = CombinationRms(d, 3, {1.0, 1.0, 1.0});
  s[kPTotal] = p_total;
  s[kQTotal] = q_total;
  s[kSTotal] = s_total;
  s[kPfTotal] = p_total / s_total;
  s[kFrequency] = kSignalHz;
  return s;
}

}  // namespace meter::selftest
