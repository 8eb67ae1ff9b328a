#include "meter/metering/meter.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <new>
#include <type_traits>

#include "meter/dsp/target.h"

#include "float_ratio.h"
#include "meter/dsp/profile.h"
#include "whole_frame_forms.h"

namespace meter {
namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
constexpr float kSqrt2 = 1.41421356237f;
constexpr float kSqrt3 = 1.73205080757f;

// Accepted cycle lengths around 45-65 Hz: a boundary closer than 1/81 s to
// the previous one is noise; none within 1/36 s means the crossing is lost.
constexpr float kMinCycleHz = 36.0f;
constexpr float kMaxCycleHz = 81.25f;
// Zero-crossing intervals that still give a frequency reading (flagged when
// outside 45-65 Hz).
constexpr float kMinReadableHz = 15.0f;
constexpr float kMaxReadableHz = 100.0f;
constexpr float kRangeLowHz = 45.0f;
constexpr float kRangeHighHz = 65.0f;

// Per-sample flag bits in the flag history, above the conditioning's
// (input_conditioner.h).
constexpr std::uint16_t kSampleGapBit = 1u << 12;
constexpr int kSampleImpulseShift = 13;  // phases 0..2 at bits 13..15

// Two band-pass sections at the nominal frequency: the 5th harmonic is
// attenuated 24 times, the 3rd 8 times, before zero-crossing detection.
constexpr float kCrossingFilterQ = 1.0f;

bool IsFiniteFloat(float x) { return std::isfinite(x); }

}  // namespace

template <typename Numeric>
Status BasicMeter<Numeric>::Init(const MeterConfig& config) {
  if (Status s = ValidateConfig(config); s != Status::kOk) return s;

  // Start from a clean object: Init may be called again to reconfigure.
  // Rebuilt in place: a temporary of this size would not fit a firmware stack.
  this->~BasicMeter();
  new (this) BasicMeter();
  config_ = config;
  rate_ = static_cast<float>(config.sample_rate_hz);
  phases_ = PhaseCount(config.wiring);
  ll_count_ = LineToLineCount(config.wiring);
  cycles_per_window_ = config.nominal_hz == 50.0f ? 10 : 12;
  if (Status s = conditioner_.Init(config); s != Status::kOk) return s;
  SetQuantityScales();

  if (Status s = crossings_.Init(config.nominal_hz, kCrossingFilterQ, rate_); s != Status::kOk) return s;
  // The processing point lags the newest sample far enough for the largest
  // phase advance (5 degrees at 40 Hz) plus the Lagrange taps after it, and
  // for the latest corrected zero crossing (the band-pass delays crossings
  // above its centre).
  float crossing_lag = 0.0f;
  for (float f = kMinCycleHz; f <= kMaxCycleHz; f += 0.25f)
    crossing_lag = std::fmax(crossing_lag, -crossings_.FilterDelay(f, rate_));
  delay_ = static_cast<int>(std::ceil(kMaxPhaseCompDeg / 360.0f * rate_ / 40.0f)) + 3 +
           static_cast<int>(std::ceil(crossing_lag)) + 2;
  min_cycle_ = rate_ / kMaxCycleHz;
  max_cycle_ = rate_ / kMinCycleHz;
  // An integer span d exceeds max_cycle_ exactly when d > floor(max_cycle_):
  // the per-sample test stays in integers (no int64-to-float conversion).
  max_cycle_whole_ = static_cast<std::int64_t>(std::floor(max_cycle_));
  nominal_cycle_ = rate_ / config.nominal_hz;

  // Resample to 128 points per cycle; the kernel cuts below both the input
  // Nyquist and that of the slowest resampled grid (128 * 45 Hz), with a 10 %
  // guard, of which up to 5 % may go where that drops a tap a side (26 to 24
  // at 8 kSPS, 2.56 to 2.69 kHz; the accuracy sweep's worst Q1 7.2e-7 of S
  // against 9.4e-7, THD unchanged: docs/PERFORMANCE.md). (A higher cutoff
  // for fewer analysed orders would shorten the kernel, 26 to 20 taps at
  // 8 kSPS for order 31, but its weaker rejection of the input's images then
  // put Q1 off by up to 1e-4 of S at exactly 50 Hz (measured, see
  // docs/PERFORMANCE.md): accuracy first.)
  const float cutoff = dsp::SincInterpolator::CutoffWithFewerTaps(
      0.45f * std::fmin(rate_, static_cast<float>(dsp::kPointsPerCycle) * kRangeLowHz) / rate_, 0.05f);
  if (Status s = resampler_.Init(cutoff); s != Status::kOk) return s;
  // The history must hold every in-range cycle (down to 45 Hz) with the
  // kernel's span and the processing delay, so that its spectrum is
  // complete. Slower cycles (36-45 Hz, flagged out of range) are still
  // measured; in a small firmware history (METER_HISTORY_SAMPLES=256 at
  // 8 kSPS holds cycles down to about 38 Hz) a cycle that does not fit loses
  // only its spectrum (flagged spectrum_incomplete, Q from the last Q/S).
  const float longest_in_range = rate_ / kRangeLowHz;
  if (static_cast<std::size_t>(longest_in_range) + static_cast<std::size_t>(2 * resampler_.half_span() + delay_ + 8) >
      kHistory) {
    return Status::kOutOfRange;
  }
  if (Status s = analysis_.Init(config, cycles_per_window_, conditioner_.v_unit(), conditioner_.i_unit());
      s != Status::kOk)
    return s;

  missing_threshold_v_ = config.missing_voltage_fraction * config.nominal_voltage_v;
  SetCrossingHysteresis(0.01f * kSqrt2 * config.nominal_voltage_v);
  SetImpulseThreshold(kSqrt2 * config.nominal_voltage_v);
  UpdatePhaseCompensation(config.nominal_hz);
  window_.start = {0, 0.0f};
  // Free-running from the first sample until the first zero crossing.
  free_running_ = true;
  next_forced_ = {static_cast<std::int64_t>(nominal_cycle_), nominal_cycle_ - std::floor(nominal_cycle_)};
  f10_interval_samples_ = static_cast<std::int64_t>(std::lround(10.0 * config.sample_rate_hz));
  f10_interval_end_ = f10_interval_samples_;
  frequency_10s_ = kNaN;
  spectrum_valid_ = true;
  return Status::kOk;
}

template <typename Numeric>
void BasicMeter<Numeric>::SetQuantityScales() {
  const float v_unit = conditioner_.v_unit(), i_unit = conditioner_.i_unit();
  // Physical value of one integrated unit, per quantity.
  const float sample_scale = Numeric::ToFloat(1);
  const float vv = v_unit * v_unit * Numeric::kProductScale, ii = i_unit * i_unit * Numeric::kProductScale;
  const float vi = v_unit * i_unit * Numeric::kProductScale;
  for (int p = 0; p < 3; ++p) {
    float* qs = &quantity_scale_[static_cast<std::size_t>(p * kPerPhase)];
    qs[kQvSum] = v_unit * sample_scale;
    qs[kQiSum] = i_unit * sample_scale;
    qs[kQicSum] = i_unit * sample_scale;
    qs[kQvv] = vv;
    qs[kQii] = ii;
    qs[kQvic] = vi;
  }
  for (int l = 0; l < 3; ++l) quantity_scale_[static_cast<std::size_t>(kQLineToLine + l)] = vv;
  quantity_scale_[kQNeutral] = ii;
  quantity_scale_[kQTwoWattmeter] = vi;
}

template <typename Numeric>
void BasicMeter<Numeric>::SetCrossingHysteresis(float volts) {
  crossings_.SetHysteresis(Numeric::ForFilter(Numeric::FromFloat(volts / conditioner_.v_unit())));
}

// A power-system voltage sampled with an anti-aliasing filter never moves a
// whole nominal peak away from its neighbours' mean in one sample (that
// needs more than half the peak at the Nyquist frequency), so only
// impulses pass this threshold: the larger of the nominal peak and the
// reference's peak in the last undisturbed window.
template <typename Numeric>
void BasicMeter<Numeric>::SetImpulseThreshold(float volts) {
  if (!IsFiniteFloat(volts)) return;
  crossings_.SetImpulseThreshold(Numeric::ForFilter(Numeric::FromFloat(volts / conditioner_.v_unit())));
}

template <typename Numeric>
void BasicMeter<Numeric>::UpdatePhaseCompensation(float f_hz) {
  const float f = std::fmin(std::fmax(f_hz, 40.0f), 70.0f);
  for (int p = 0; p < 3; ++p) {
    const auto up = static_cast<std::size_t>(p);
    const float shift = config_.phase_comp_deg[up] / 360.0f * rate_ / f;
    const float whole = std::floor(shift);
    comp_whole_[up] = static_cast<int>(whole);
    comp_taps_[up] = dsp::LagrangeTaps<Numeric>::ForFraction(shift - whole);
  }
  // (No run waits here: Init starts without one, and a window closes at a
  // boundary, after FlushRun.)
  UpdateRunSetup();
}

template <typename Numeric>
void BasicMeter<Numeric>::MarkGap(std::uint64_t lost_samples) {
  if (lost_samples == 0) return;
  gap_samples_ += lost_samples;
  gap_ticks_unassigned_ += lost_samples * kTicksPerSample;
  pending_gap_ = true;
}

template <typename Numeric>
void BasicMeter<Numeric>::ComputeQuantities(std::uint64_t m,
                                            std::array<typename Numeric::Product, kQuantityCount>& q) const {
  // Samples at the processing point, DC-shifted; the current for power is
  // read at the phase-compensated position.
  using N = Numeric;
  std::array<Sample, 3> v{}, i{}, ic{};
  const HistoryFrame& now = hist_.At(m);
  // Per sample, at most three phases: unrolled, no loop overhead.
#pragma GCC unroll 3
  for (int p = 0; p < phases_; ++p) {
    const auto up = static_cast<std::size_t>(p);
    v[up] = N::Sub(now[up], dc_v_[up]);
    i[up] = N::Sub(now[3 + up], dc_i_[up]);
    const std::uint64_t k = m + static_cast<std::uint64_t>(static_cast<std::int64_t>(comp_whole_[up]));
    const std::size_t ch = 3 + up;
    const Sample shifted =
        hist_.ReadRun(k - 1, 4, [&](auto f) { return comp_taps_[up].Apply(f(0)[ch], f(1)[ch], f(2)[ch], f(3)[ch]); });
    ic[up] = N::Sub(shifted, dc_i_[up]);
  }
  if (config_.wiring == Wiring::k3P3W) {
    // No neutral: phase voltages are taken to the virtual star point.
    const Sample star = N::Mean3(v[0], v[1], v[2]);
    for (auto& x : v) x = N::Sub(x, star);
  }

  // Per sample, at most three phases: unrolled, no loop overhead.
#pragma GCC unroll 3
  for (int p = 0; p < phases_; ++p) {
    const auto up = static_cast<std::size_t>(p);
    auto* qp = &q[static_cast<std::size_t>(p * kPerPhase)];
    qp[kQvSum] = N::Widen(v[up]);
    qp[kQiSum] = N::Widen(i[up]);
    qp[kQicSum] = N::Widen(ic[up]);
    qp[kQvv] = N::Mul(v[up], v[up]);
    qp[kQii] = N::Mul(i[up], i[up]);
    qp[kQvic] = N::Mul(v[up], ic[up]);
  }
  if (ll_count_ == 1) {
    const Sample d = N::Sub(v[0], v[1]);
    q[kQLineToLine] = N::Mul(d, d);
  } else if (ll_count_ == 3) {
    const Sample ab = N::Sub(v[0], v[1]), bc = N::Sub(v[1], v[2]), ca = N::Sub(v[2], v[0]);
    q[kQLineToLine] = N::Mul(ab, ab);
    q[kQLineToLine + 1] = N::Mul(bc, bc);
    q[kQLineToLine + 2] = N::Mul(ca, ca);
  }
  {
    const Sample in = N::Add3(i[0], i[1], i[2]);
    q[kQNeutral] = N::Mul(in, in);
  }
  if (config_.wiring == Wiring::k3P3W) {
    q[kQTwoWattmeter] = N::Mul(N::Sub(v[0], v[1]), ic[0]) + N::Mul(N::Sub(v[2], v[1]), ic[2]);
  }
}

// One frame; ProcessFrames' loop is its only caller (where it is inlined:
// see ProcessOneFrame in meter.h).
template <typename Numeric>
inline std::uint8_t BasicMeter<Numeric>::ProcessOneFrame(const Input& frame) {
  events_ = kEventNone;
  const std::uint64_t n = raw_count_++;
  // The newest frame, conditioned, into the history with its flags.
  const std::uint16_t gap = pending_gap_ ? kSampleGapBit : 0;
  pending_gap_ = false;
  const auto newest_flags =
      static_cast<std::uint16_t>(gap | conditioner_.Condition(frame, detail::WholeFrameForm<Numeric>{}));
  hist_.Put(n, conditioner_.frame());
  flag_hist_.Put(n, newest_flags);
  DetectCrossing(n, (newest_flags & kSampleGapBit) != 0);
  if (n < static_cast<std::uint64_t>(delay_)) return events_;
  const std::uint64_t m = n - static_cast<std::uint64_t>(delay_);
  const auto m_signed = static_cast<std::int64_t>(m);

  const std::uint16_t sample_flags = flag_hist_.At(m);
  if (sample_flags != 0) {
    window_.flags |= static_cast<std::uint32_t>(sample_flags & kSampleNonFiniteMask) << 8;
    window_.flags |= static_cast<std::uint32_t>((sample_flags >> kSampleClippedShift) & 0x3Fu) << 16;
    window_.flags |= static_cast<std::uint32_t>(sample_flags >> kSampleImpulseShift) * kFlagImpulseBase;
    if (sample_flags & kSampleGapBit) {
      window_.flags |= kFlagGap;
      have_real_crossing_ = false;
      cycle_gap_ticks_ += gap_ticks_unassigned_;
      gap_ticks_unassigned_ = 0;
    }
  }

  if (m == 0) {
    ComputeQuantities(0, last_quantities_);
    for (int k = 0; k < kQuantityCount; ++k) {
      integrators_[static_cast<std::size_t>(k)].Start(last_quantities_[static_cast<std::size_t>(k)]);
    }
    return events_;
  }

  // Cycle boundary: a usable zero crossing of the reference voltage, or a
  // boundary at nominal length when there is none.
  bool boundary = false;
  bool real = false;
  Position at{};
  if (crossings_.PopUpTo(m_signed - 1, at)) {
    if (at.whole < m_signed - 1) at = {m_signed - 1, 0.0f};  // only after a reference switch
    // After start-up or a gap any crossing is the first; later ones must
    // follow the previous crossing by a plausible cycle.
    const bool first_or_regular = !have_real_crossing_ || (Span(last_real_crossing_, at) >= min_cycle_ &&
                                                           Span(last_real_crossing_, at) <= max_cycle_);
    OnRealCrossing(at);
    // Locked: a crossing at least a short cycle after the last boundary.
    // Free-running: resynchronise on the first regular crossing, even if it
    // makes one short cycle (its window is flagged already).
    const float since_boundary = Span(last_boundary_, at);
    if (since_boundary >= min_cycle_ || (free_running_ && first_or_regular && since_boundary >= 1.0f)) {
      boundary = true;
      real = true;
    }
  }
  if (!boundary) {
    if (!free_running_) {
      if (m_signed - last_boundary_.whole > max_cycle_whole_) {
        at = {m_signed - 1, 0.0f};
        boundary = true;
      }
    } else if (next_forced_.whole <= m_signed - 1) {
      at = next_forced_.whole == m_signed - 1 ? next_forced_ : Position{m_signed - 1, 0.0f};
      boundary = true;
    }
  }

  if (boundary) {
    // The edge needs every sample before it integrated, and this sample's
    // quantities as shifted now (a window closing below moves the shift on).
    FlushRun();
    std::array<typename Numeric::Product, kQuantityCount> q{};
    ComputeQuantities(m, q);
    std::array<float, kQuantityCount> cycle_integral{};
    for (int k = 0; k < kQuantityCount; ++k) {
      const auto uk = static_cast<std::size_t>(k);
      // Cycle integrals leave the numeric type here: physical units, float.
      cycle_integral[uk] =
          static_cast<float>(integrators_[uk].SplitAndAdd(last_quantities_[uk], q[uk], at.frac)) * quantity_scale_[uk];
      window_.integral[uk] += cycle_integral[uk];
    }
    const std::uint32_t windows_before = window_sequence_;
    OnCycleBoundary(at, real, cycle_integral);
    if (window_sequence_ != windows_before) {
      // A window closed and its DC shift (and phase compensation) moved on:
      // the new window must see one shift on every sample, the two around its
      // first edge included, or the covariance would not remove it exactly.
      std::array<typename Numeric::Product, kQuantityCount> q_prev{};
      ComputeQuantities(m - 1, q_prev);
      ComputeQuantities(m, q);
      for (int k = 0; k < kQuantityCount; ++k) {
        const auto uk = static_cast<std::size_t>(k);
        integrators_[uk].Reopen(q_prev[uk], q[uk], at.frac);
      }
    }
    last_quantities_ = q;  // the next edge interpolates from this sample as shifted now
  } else {
    if (run_length_ == 0) run_first_ = m;
    if (++run_length_ == kMaxRun) FlushRun();
  }

  if (m_signed >= f10_interval_end_) {
    frequency_10s_ = f10_cycles_ > 0
                         ? static_cast<float>(static_cast<double>(f10_cycles_) * 65536.0 /
                                              static_cast<double>(f10_span_q16_) * static_cast<double>(rate_))
                         : kNaN;
    f10_cycles_ = 0;
    f10_span_q16_ = 0;
    f10_interval_end_ += f10_interval_samples_;
    events_ |= kEventFrequency10s;
  }

  if (pending_count_ > 0) ServicePendingCycles(n);  // none waits on most samples: no call
  return events_;
}

template <typename Numeric>
typename BasicMeter<Numeric>::BlockResult BasicMeter<Numeric>::ProcessFrames(std::span<const Input> frames,
                                                                             std::uint8_t stop) {
  BlockResult result;
  while (result.frames < frames.size()) {
    const std::uint8_t events = ProcessOneFrame(frames[result.frames]);
    ++result.frames;
    result.events = static_cast<std::uint8_t>(result.events | events);
    if (events & stop) break;
  }
  return result;
}

template <typename Numeric>
void BasicMeter<Numeric>::FlushRun() {
  if (run_length_ == 0) return;
  const std::uint64_t first = run_first_;
  const int count = run_length_;
  run_length_ = 0;
  if (FlushRunVector(first, count)) return;
  if (phase_run_ready_) {
    FlushRunPhases(first, count);
    return;
  }
  for (int k = 0; k < count; ++k) AddSampleQuantities(first + static_cast<std::uint64_t>(k));
}

template <typename Numeric>
void BasicMeter<Numeric>::AddSampleQuantities(std::uint64_t m) {
  ComputeQuantities(m, last_quantities_);
  dsp::AddToEach(integrators_, last_quantities_);
}

template <typename Numeric>
void BasicMeter<Numeric>::FlushRunPhases([[maybe_unused]] std::uint64_t first, [[maybe_unused]] int count) {
  if constexpr (!std::is_same_v<Numeric, dsp::FloatNumeric>) {
    using Layout = detail::PhaseRunLayout;
    static_assert(Layout::kCount <= kQuantityCount && Layout::kNeutral == kQNeutral &&
                      Layout::kLineToLine == kQLineToLine && Layout::kPhaseStride == kPerPhase &&
                      Layout::kV == kQvSum && Layout::kI == kQiSum && Layout::kIc == kQicSum && Layout::kVv == kQvv &&
                      Layout::kIi == kQii && Layout::kVic == kQvic,
                  "the phase run loop writes the meter's quantity layout");
    static_assert(kMaxRun <= detail::PhaseRunSetupQ31::kMaxRun, "a run fits the phase loop's buffers");
    // Samples whose frames (their compensation windows included) lie in one
    // piece of the history go to the loop; the few whose windows wrap
    // around the history's end are added one at a time (integer sums: the
    // order of the adds does not matter).
    const int reach = phase_run_.reach_last - phase_run_.reach_first;
    std::array<std::int64_t, kQuantityCount> sums{};
    while (count > 0) {
      const std::uint64_t window_first = first - static_cast<std::uint64_t>(-phase_run_.reach_first);
      const auto room =
          static_cast<int>(kHistory - (window_first & (kHistory - 1))) - reach;  // samples before the wrap
      if (room <= 0) {
        AddSampleQuantities(first);
        ++first;
        --count;
        continue;
      }
      const int take = room < count ? room : count;
      detail::SumPhaseRunQ31(phase_run_, hist_.At(first).data(), take, sums.data(), last_quantities_.data());
      first += static_cast<std::uint64_t>(take);
      count -= take;
    }
    dsp::AddToEach(integrators_, sums);
  }
}

template <typename Numeric>
bool BasicMeter<Numeric>::FlushRunVector([[maybe_unused]] std::uint64_t first, [[maybe_unused]] int count) {
#if METER_DSP_X86_AVX2
  if (!run_vector_) return false;
  // Every frame the run and its compensation window reach, unwrapped: the
  // window starts before the run's first sample or after it (every current
  // advanced by two samples or more).
  const int lowest = std::min(0, run_setup_.lagrange_first);
  const int highest = std::max(0, run_setup_.lagrange_first + run_setup_.lagrange_taps - 1);
  const HistoryFrame* frames =
      hist_.Contiguous(first - static_cast<std::uint64_t>(-lowest), static_cast<std::size_t>(count + highest - lowest));
  if (frames == nullptr) return false;
  // Both sums structs name their kinds and lanes alike: the run's sums go
  // to the integrators, its last sample's values to last_quantities_.
  const auto take = [&](const auto& sums) {
    using K = std::remove_cvref_t<decltype(sums)>;
    const auto store = [&](const auto& v, const auto& use) {
      for (std::size_t p = 0; p < 3; ++p) {
        const std::size_t base = p * kPerPhase;
        use(base + kQvSum, v[K::kX][p]);
        use(base + kQiSum, v[K::kX][3 + p]);
        use(base + kQicSum, v[K::kIc][K::kCurrentLane + p]);
        use(base + kQvv, v[K::kSquares][K::kSquareLane[p]]);
        use(base + kQii, v[K::kSquares][K::kSquareLane[3 + p]]);
        use(base + kQvic, v[K::kVIc][K::kCurrentLane + p]);
      }
      for (std::size_t l = 0; l < static_cast<std::size_t>(ll_count_); ++l) use(kQLineToLine + l, v[K::kLln][l]);
      use(std::size_t{kQNeutral}, v[K::kLln][3]);
    };
    store(sums.sum, [&](std::size_t k, auto x) { integrators_[k].Add(x); });
    store(sums.last, [&](std::size_t k, auto x) { last_quantities_[k] = x; });
  };
  if constexpr (std::is_same_v<Numeric, dsp::FloatNumeric>) {
    detail::QuantityRunSums sums;
    detail::SumQuantityRunAvx2(run_setup_, frames[-lowest].data(), count, sums);
    take(sums);
  } else {
    detail::QuantityRunSumsQ31 sums;
    detail::SumQuantityRunQ31Avx2(run_setup_, frames[-lowest].data(), count, sums);
    take(sums);
  }
  return true;
#else
  return false;
#endif
}

template <typename Numeric>
void BasicMeter<Numeric>::LimitRunLoop(RunLoop fastest) {
  FlushRun();  // the samples waiting go the way they were meant to
  run_loop_limit_ = fastest;
  // The per-sample loop is the portable path throughout: its conditioning too.
  conditioner_.UseWholeFrameForm(fastest != RunLoop::kPerSample);
  UpdateRunSetup();
}

template <typename Numeric>
bool BasicMeter<Numeric>::ResamplingCannotSaturate() const {
  if constexpr (std::is_same_v<Numeric, dsp::FloatNumeric>) {
    return false;  // (float does not saturate; nothing asks)
  } else {
    // A point is at most the largest sample times the taps' absolute sum,
    // plus its rounding; less the DC shift it must stay inside int32.
    constexpr std::int64_t kLimit = std::numeric_limits<std::int32_t>::max();
    const std::array<Sample, 6> dc{dc_v_[0], dc_v_[1], dc_v_[2], dc_i_[0], dc_i_[1], dc_i_[2]};
    for (std::size_t ch = 0; ch < 6; ++ch) {
      const std::int64_t point =
          ((conditioner_.SampleBound(ch) * resampler_.interpolator().TapAbsSumBoundQ29()) >> 29) + 2;
      if (point + std::abs(std::int64_t{dc[ch]}) >= kLimit) return false;
    }
    return true;
  }
}

template <typename Numeric>
bool BasicMeter<Numeric>::RunsCannotSaturate() const {
  if constexpr (std::is_same_v<Numeric, dsp::FloatNumeric>) {
    return true;
  } else {
    // With each channel's conditioned samples bounded by its ADC range,
    // offset and gain, no DC-shifted sample, line-to-line difference,
    // neutral sum or compensated current may reach the limit.
    constexpr std::int64_t kLimit = std::numeric_limits<std::int32_t>::max();
    std::int64_t v_max = 0, i_max = 0;
    for (std::size_t p = 0; p < static_cast<std::size_t>(phases_); ++p) {
      const std::int64_t i_bound = conditioner_.SampleBound(3 + p);
      const std::int64_t i_dc = std::abs(std::int64_t{dc_i_[p]});
      v_max = std::max(v_max, conditioner_.SampleBound(p) + std::abs(std::int64_t{dc_v_[p]}));
      i_max = std::max(i_max, i_bound + i_dc);
      std::int64_t tap_sum = 0;  // Q30
      for (const std::int32_t c : comp_taps_[p].c) tap_sum += std::abs(std::int64_t{c});
      if (((tap_sum * i_bound) >> dsp::Q31Numeric::kCoefBits) + 1 + i_dc > kLimit) return false;
    }
    return 2 * v_max <= kLimit && 3 * i_max <= kLimit;
  }
}

template <typename Numeric>
void BasicMeter<Numeric>::UpdateRunSetup() {
  // Both run loops cover the wirings with a neutral or one phase (3P3W's
  // star point and two-wattmeter products stay on the per-sample loop); in
  // Q31 they have no saturation, so they run only where none can occur.
  phase_run_ready_ = false;
#if METER_DSP_X86_AVX2
  run_vector_ = false;
#endif
  if constexpr (!std::is_same_v<Numeric, dsp::FloatNumeric>) resample_less_offsets_ = ResamplingCannotSaturate();
  if (config_.wiring == Wiring::k3P3W || run_loop_limit_ == RunLoop::kPerSample || !RunsCannotSaturate()) return;
  int lowest = comp_whole_[0], highest = comp_whole_[0];
  for (std::size_t p = 1; p < static_cast<std::size_t>(phases_); ++p) {
    lowest = std::min(lowest, comp_whole_[p]);
    highest = std::max(highest, comp_whole_[p]);
  }
  if constexpr (!std::is_same_v<Numeric, dsp::FloatNumeric>) {
    phase_run_.phases = phases_;
    phase_run_.line_to_line = ll_count_;
    for (std::size_t p = 0; p < 3; ++p) {
      phase_run_.dc_v[p] = dc_v_[p];
      phase_run_.dc_i[p] = dc_i_[p];
      phase_run_.advance[p] = comp_whole_[p];
      for (std::size_t t = 0; t < 4; ++t) phase_run_.taps[p][t] = comp_taps_[p].c[t];
    }
    phase_run_.reach_first = std::min(0, lowest - 1);  // Lagrange reads k - 1 .. k + 2
    phase_run_.reach_last = std::max(0, highest + 2);
    phase_run_ready_ = true;
  }
#if METER_DSP_X86_AVX2
  // The vector loop: compensation advances within kMaxLagrangeTaps - 3
  // samples of each other.
  if (!dsp::X86HasAvx2Fma() || run_loop_limit_ != RunLoop::kVector) return;
  const int taps = highest - lowest + 4;
  if (taps > detail::QuantityRunSetup::kMaxLagrangeTaps) return;
  run_setup_ = {};  // zero taps outside each lane's four
  run_setup_.lagrange_taps = taps;
  run_setup_.lagrange_first = lowest - 1;  // Lagrange reads k - 1 .. k + 2
  // The window's DC shifts too: this runs after every change of them. A
  // phase's current sits in its sums' current lane (float 3 + p, Q31 p).
  using RunSums = std::conditional_t<std::is_same_v<Numeric, dsp::FloatNumeric>, detail::QuantityRunSums,
                                     detail::QuantityRunSumsQ31>;
  constexpr auto kCurrentLane = static_cast<std::size_t>(RunSums::kCurrentLane);
  for (std::size_t p = 0; p < static_cast<std::size_t>(phases_); ++p) {
    const auto offset = static_cast<std::size_t>(comp_whole_[p] - lowest);
    for (std::size_t t = 0; t < 4; ++t) run_setup_.lagrange[offset + t][kCurrentLane + p] = comp_taps_[p].c[t];
    run_setup_.dc[p] = dc_v_[p];
    run_setup_.dc[3 + p] = dc_i_[p];
    run_setup_.dc_current[kCurrentLane + p] = dc_i_[p];
  }
  run_vector_ = true;
#endif
}

template <typename Numeric>
inline typename BasicMeter<Numeric>::Sample BasicMeter<Numeric>::FilterReference(const HistoryFrame& frame) const {
  Sample ref = frame[static_cast<std::size_t>(reference_phase_)];
  if (config_.wiring == Wiring::k3P3W) ref = Numeric::Sub(ref, Numeric::Mean3(frame[0], frame[1], frame[2]));
  return Numeric::ForFilter(ref);
}

// One caller, ProcessOneFrame, once per sample: inlined, it saves a call and
// a register save and restore (docs/PERFORMANCE.md, "Measured choices in the
// code").
template <typename Numeric>
[[gnu::always_inline]] inline void BasicMeter<Numeric>::DetectCrossing(std::uint64_t n, bool gap) {
  if (!crossings_.enabled()) return;
  // A lone spike would ring through the band-pass and move the next
  // crossings (3000 V on 171 V moved window edges by 0.29 samples): the
  // tracker's impulse guard replaces it, and the sample is flagged here.
  crossings_.Take(
      n, FilterReference(hist_.At(n)), gap,
      [this] {
        return CrossingTiming{rate_, config_.nominal_hz, min_cycle_, max_cycle_};
      },
      [this](std::uint64_t impulse) {
        flag_hist_.Put(impulse, static_cast<std::uint16_t>(flag_hist_.At(impulse) |
                                                           (1u << (kSampleImpulseShift + reference_phase_))));
      });
}

template <typename Numeric>
void BasicMeter<Numeric>::OnRealCrossing(const Position& at) {
  if (have_real_crossing_) {
    const float interval = Span(last_real_crossing_, at);
    if (interval >= rate_ / kMaxReadableHz && interval <= rate_ / kMinReadableHz) {
      window_.real_intervals++;
      window_.real_interval_sum += interval;
      // 10 s frequency: whole cycles that lie inside the 10 s interval.
      const std::int64_t interval_start = f10_interval_end_ - f10_interval_samples_;
      // Cycles of the settling window (band-pass transient) do not count.
      if (last_real_crossing_.whole >= interval_start && !first_window_) {
        f10_cycles_++;
        f10_span_q16_ += static_cast<std::int64_t>(std::lround(interval * 65536.0f));
      }
    }
  }
  last_real_crossing_ = at;
  have_real_crossing_ = true;
}

template <typename Numeric>
std::uint64_t BasicMeter<Numeric>::Tick(const Position& p) {
  return static_cast<std::uint64_t>(p.whole) * kTicksPerSample +
         static_cast<std::uint64_t>(std::lround(p.frac * static_cast<float>(kTicksPerSample)));
}

template <typename Numeric>
void BasicMeter<Numeric>::HoldCycle(const CycleEnergy& cycle) {
  if (cycle_queue_.Hold(cycle)) events_ |= kEventCycle;
}

template <typename Numeric>
void BasicMeter<Numeric>::ReleaseHeldCycles(const WindowResult* window, std::uint64_t up_to_tick) {
  if (cycle_queue_.Release(window, up_to_tick, phases_, config_.wiring == Wiring::k3P3W, last_q_over_s_) > 0) {
    events_ |= kEventCycleReactive;
  }
}

template <typename Numeric>
void BasicMeter<Numeric>::OnCycleBoundary(const Position& at, bool real,
                                          const std::array<float, kQuantityCount>& cycle_integral) {
  if (real) {
    free_running_ = false;
  } else {
    window_.flags |= kFlagNoZeroCrossing;
    free_running_ = true;
    const float next = at.frac + nominal_cycle_;
    const float whole = std::floor(next);
    next_forced_ = {at.whole + static_cast<std::int64_t>(whole), next - whole};
  }

  // P and S are known now: the record goes out at once; its Q follows
  // when its window's spectrum closes.
  CycleEnergy energy;
  energy.start_tick = Tick(last_boundary_);
  energy.end_tick = Tick(at);
  FillCyclePowers(cycle_integral, Span(last_boundary_, at), config_.wiring, energy);
  energy.gap_ticks = cycle_gap_ticks_;
  cycle_gap_ticks_ = 0;
  HoldCycle(energy);
  if (pending_count_ < static_cast<int>(pending_.size())) {
    const int tail = (pending_head_ + pending_count_) % static_cast<int>(pending_.size());
    pending_[static_cast<std::size_t>(tail)] = PendingCycle{last_boundary_, at, window_.cycles};
    pending_count_++;
  } else {
    // Cannot happen with a sane history size; never block metering: the
    // window goes without a spectrum (its cycles' Q is estimated).
    spectrum_valid_ = false;
  }
  last_boundary_ = at;
  window_.cycles++;
  if (window_.cycles >= cycles_per_window_) CloseWindow(at);
}

template <typename Numeric>
void BasicMeter<Numeric>::CloseWindow(const Position& end) {
  const float span = Span(window_.start, end);

  WindowResult r;
  r.sequence = window_sequence_++;
  r.end_sample = static_cast<std::uint64_t>(end.whole);
  r.end_frac = end.frac;
  r.duration_s = span / rate_;
  r.cycles = window_.cycles;
  r.flags = window_.flags;
  if (first_window_) r.flags |= kFlagSettling;
  r.phase_count = phases_;
  r.line_to_line_count = ll_count_;
  r.has_neutral = HasNeutral(config_.wiring);
  r.has_unbalance = HasUnbalance(config_.wiring);

  const IntervalMeans means = FillWindowTimeDomain(window_.integral, span, config_.wiring, r);

  // Frequency from the whole zero-crossing intervals that ended in the window.
  r.f_hz = window_.real_intervals > 0 ? static_cast<float>(window_.real_intervals) / window_.real_interval_sum * rate_
                                      : kNaN;
  // Out of range at the reporting resolution (0.001 Hz): 44.9999 reads 45.000.
  if (!(r.f_hz >= kRangeLowHz - 0.0005f && r.f_hz <= kRangeHighHz + 0.0005f)) {
    r.flags |= IsFiniteFloat(r.f_hz) ? kFlagFrequencyOutOfRange : kFlagNoZeroCrossing;
  }
  // More than 10 % from nominal, at the same resolution: 45 Hz on 50 Hz is in.
  if (std::fabs(r.f_hz - config_.nominal_hz) > 0.1f * config_.nominal_hz + 0.0005f)
    r.flags |= kFlagNominalFrequencyMismatch;

  // Missing voltages, and the reference for the next window.
  int new_reference = -1;
  for (int p = 0; p < phases_; ++p) {
    const float threshold = (config_.wiring == Wiring::k3P4WHighLeg && p == config_.high_leg_phase)
                                ? missing_threshold_v_ * kSqrt3
                                : missing_threshold_v_;
    if (r.phases[static_cast<std::size_t>(p)].v_rms < threshold) {
      r.flags |= VoltageMissingFlag(p);
    } else if (new_reference < 0) {
      new_reference = p;
    }
  }
  const bool reference_ok = (r.flags & VoltageMissingFlag(reference_phase_)) == 0;
  if (!reference_ok && new_reference >= 0) {
    reference_phase_ = new_reference;
    crossings_.Restart(raw_count_ > 0 ? FilterReference(hist_.At(raw_count_ - 1)) : Sample{});
    crossings_.DropQueued();
    have_real_crossing_ = false;
  }
  // The crossing path's levels follow the reference's rms, but not from a
  // window whose reference held a spike, a clipped or a non-finite sample:
  // one 1e7 V sample would raise the hysteresis above the signal.
  const std::uint32_t ref_disturbed =
      ImpulseFlag(reference_phase_) | ClippedFlag(reference_phase_) | NonFiniteFlag(reference_phase_);
  if ((r.flags & ref_disturbed) == 0) {
    const float ref_rms = r.phases[static_cast<std::size_t>(reference_phase_)].v_rms;
    SetCrossingHysteresis(std::fmax(0.05f * kSqrt2 * ref_rms, 0.01f * kSqrt2 * config_.nominal_voltage_v));
    SetImpulseThreshold(std::fmax(kSqrt2 * ref_rms, kSqrt2 * config_.nominal_voltage_v));
  }

  // The running DC shift follows the window means, from clean synchronised
  // windows only: the settling window's mean is biased by its partial cycle,
  // and a clipped, non-finite or spliced window's mean is not the offset.
  const std::uint32_t unclean = kFlagGap | (0x3Fu << 8) | (0x3Fu << 16);
  if (!first_window_ && (r.flags & unclean) == 0) {
    for (int p = 0; p < phases_; ++p) {
      const auto up = static_cast<std::size_t>(p);
      if (IsFiniteFloat(means.v[up]) && IsFiniteFloat(means.i[up])) {
        dc_v_[up] = Numeric::Sub(dc_v_[up], Numeric::FromFloat(-means.v[up] / conditioner_.v_unit()));
        dc_i_[up] = Numeric::Sub(dc_i_[up], Numeric::FromFloat(-means.i[up] / conditioner_.i_unit()));
      }
    }
  }
  // (It also hands the new DC shifts to the x86 run loop: UpdateRunSetup.)
  UpdatePhaseCompensation(IsFiniteFloat(r.f_hz) ? r.f_hz : config_.nominal_hz);

  pending_window_ = r;
  window_pending_ = true;
  first_window_ = false;
  window_ = WindowAccumulators{};
  window_.start = end;
}

template <typename Numeric>
void BasicMeter<Numeric>::ServicePendingCycles(std::uint64_t newest) {
  const int half = resampler_.half_span();
  while (pending_count_ > 0) {
    PendingCycle& c = pending_[static_cast<std::size_t>(pending_head_)];
    const std::int64_t last_needed = c.end.whole + half + 1;
    if (static_cast<std::int64_t>(newest) < last_needed) break;
    const std::int64_t first_needed = c.start.whole - half;
    // Before the history first wraps, samples "before the first" read as the
    // zeros it started with, so the first cycle has a spectrum too.
    if (static_cast<std::int64_t>(newest) - first_needed >= static_cast<std::int64_t>(kHistory)) {
      spectrum_valid_ = false;  // outside the history (a cycle too long)
    } else {
      METER_PROFILE_SCOPE(dsp::ProfileRegion::kHarmonics);
      ResampleCycle(c);
    }
    const bool last_of_window = c.index_in_window == cycles_per_window_ - 1;
    pending_head_ = (pending_head_ + 1) % static_cast<int>(pending_.size());
    pending_count_--;
    if (last_of_window) {
      if (window_pending_) {
        METER_PROFILE_SCOPE(dsp::ProfileRegion::kHarmonics);
        METER_PROFILE_SCOPE_NESTED(dsp::ProfileRegion::kWindowSpectrum);
        FinishSpectrum();
        ReleaseHeldCycles(&published_, Tick(c.end));
      } else {
        ReleaseHeldCycles(nullptr, Tick(c.end));
      }
    }
  }
}

template <typename Numeric>
void BasicMeter<Numeric>::ResampleCycle(const PendingCycle& c) {
  const HistoryFrame dc{dc_v_[0], dc_v_[1], dc_v_[2], dc_i_[0], dc_i_[1], dc_i_[2]};
  if (!resampler_.Resample(hist_, c.start, c.end, dc, resample_less_offsets_, analysis_.cycle_points())) {
    spectrum_valid_ = false;
  }
  METER_PROFILE_SCOPE(dsp::ProfileRegion::kCycleAccumulate);
  analysis_.AccumulateCycle(c.index_in_window);
}

template <typename Numeric>
void BasicMeter<Numeric>::FinishSpectrum() {
  WindowResult r = pending_window_;
  window_pending_ = false;
  analysis_.FinishWindow(r, spectrum_valid_, reference_phase_, resampler_.interpolator());

  for (int p = 0; p < phases_; ++p) {
    PhaseValues& ph = r.phases[static_cast<std::size_t>(p)];
    ph.pf = detail::Ratio(ph.p_w, ph.s_va);
  }
  r.total.pf = detail::Ratio(r.total.p_w, r.total.s_va);

  spectrum_valid_ = true;
  published_ = r;
  events_ |= kEventWindow;
  if (aggregator_.Add(published_)) events_ |= kEventAggregate;
}

template class BasicMeter<dsp::FloatNumeric>;
template class BasicMeter<dsp::Q31Numeric>;

}  // namespace meter
