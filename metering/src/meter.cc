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
  integrator_.Init(config.wiring);

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
  std::array<float, 3> advance{};
  for (std::size_t p = 0; p < 3; ++p) advance[p] = config_.phase_comp_deg[p] / 360.0f * rate_ / f;
  // (No run waits here: Init starts without one, and a window closes at a
  // boundary, after the integrator's flush.)
  integrator_.SetCompensation(advance, conditioner_);
  resample_less_offsets_ = ResamplingCannotSaturate();
}

template <typename Numeric>
void BasicMeter<Numeric>::MarkGap(std::uint64_t lost_samples) {
  if (lost_samples == 0) return;
  gap_samples_ += lost_samples;
  gap_ticks_unassigned_ += lost_samples * kTicksPerSample;
  pending_gap_ = true;
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
    integrator_.Start(hist_, 0);
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
    std::array<float, kQuantityCount> cycle_integral{};
    integrator_.CloseAt(hist_, m, at.frac, quantity_scale_, cycle_integral);
    for (std::size_t k = 0; k < static_cast<std::size_t>(kQuantityCount); ++k) window_.integral[k] += cycle_integral[k];
    const std::uint32_t windows_before = window_sequence_;
    OnCycleBoundary(at, real, cycle_integral);
    // A window closed and its DC shift (and phase compensation) moved on:
    // the new window must see one shift on every sample, the two around its
    // first edge included, or the covariance would not remove it exactly.
    if (window_sequence_ != windows_before) integrator_.ReopenAt(hist_, m, at.frac);
  } else {
    integrator_.Defer(hist_, m);
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
void BasicMeter<Numeric>::LimitRunLoop(RunLoop fastest) {
  integrator_.LimitRunLoop(fastest, hist_, conditioner_);
  // The per-sample loop is the portable path throughout: its Q31
  // conditioning too. (The float form, SSE2 on x86 hosts, is the portable
  // arithmetic element by element and stays: input_conditioner_test compares
  // the two.)
  if constexpr (Numeric::kFixedPoint) conditioner_.UseWholeFrameForm(fastest != RunLoop::kPerSample);
}

template <typename Numeric>
bool BasicMeter<Numeric>::ResamplingCannotSaturate() const {
  if constexpr (!Numeric::kFixedPoint) {
    return false;  // (float does not saturate; nothing asks)
  } else {
    // A point is at most the largest sample times the taps' absolute sum,
    // plus its rounding; less the DC shift it must stay inside int32.
    constexpr std::int64_t kLimit = std::numeric_limits<std::int32_t>::max();
    const auto& dc_v = integrator_.dc_v();
    const auto& dc_i = integrator_.dc_i();
    const std::array<Sample, 6> dc{dc_v[0], dc_v[1], dc_v[2], dc_i[0], dc_i[1], dc_i[2]};
    for (std::size_t ch = 0; ch < 6; ++ch) {
      const std::int64_t point =
          ((conditioner_.SampleBound(ch) * resampler_.interpolator().TapAbsSumBoundQ29()) >> 29) + 2;
      if (point + std::abs(std::int64_t{dc[ch]}) >= kLimit) return false;
    }
    return true;
  }
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
    std::array<Sample, 3> dc_v = integrator_.dc_v(), dc_i = integrator_.dc_i();
    for (std::size_t p = 0; p < static_cast<std::size_t>(phases_); ++p) {
      if (IsFiniteFloat(means.v[p]) && IsFiniteFloat(means.i[p])) {
        dc_v[p] = Numeric::Sub(dc_v[p], Numeric::FromFloat(-means.v[p] / conditioner_.v_unit()));
        dc_i[p] = Numeric::Sub(dc_i[p], Numeric::FromFloat(-means.i[p] / conditioner_.i_unit()));
      }
    }
    integrator_.SetDcShifts(dc_v, dc_i, conditioner_);
  }
  // The compensation follows the measured frequency.
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
  const auto& dc_v = integrator_.dc_v();
  const auto& dc_i = integrator_.dc_i();
  const HistoryFrame dc{dc_v[0], dc_v[1], dc_v[2], dc_i[0], dc_i[1], dc_i[2]};
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
