#pragma once
// Zero-crossing tracking, one of BasicMeter's stages: the reference voltage
// of each newest sample (in the band-pass's domain) goes in; its rising
// zero crossings come out, each corrected by the band-pass's phase at the
// frequency the last interval shows, queued for the meter's processing
// point, which lags far enough to receive them in time. The meter decides
// which of them become cycle boundaries.
//
// Two band-pass sections at the nominal frequency keep harmonics from
// adding crossings. An impulse guard keeps a lone spike from ringing
// through them: a reference sample that steps further than the impulse
// threshold from the one before is held as a candidate, with the path's
// state before it. If the next sample steps back as far, to within the
// threshold of the sample before the candidate, the candidate was an
// isolated impulse: the path is restored and fed the neighbours' mean
// instead, and the caller is told. Otherwise (a real step, a transient)
// nothing changes. The common path is one step test a sample.
//
// Per-sample work is inline here: it runs in the meter's frame body.

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <new>

#include "meter/dsp/biquad.h"
#include "meter/dsp/zero_crossing.h"
#include "meter/metering/sample_position.h"
#include "meter/status.h"

namespace meter {

/// What the tracker needs of the meter's timing when it finds a crossing.
/// The meter keeps these; Take asks for them through a callable only then,
/// so the per-sample path neither copies nor loads them (built on every
/// sample, GCC kept them in registers across the whole frame body: +14
/// Cortex-M4F instructions a sample set).
struct CrossingTiming {
  float rate_hz;
  float nominal_hz;
  float min_cycle;  ///< samples: the shortest interval that gives a frequency
  float max_cycle;  ///< samples: the longest
};

template <typename Numeric>
class CrossingTracker {
 public:
  using Sample = typename Numeric::Sample;
  /// Crossings waiting for the processing point.
  static constexpr int kQueue = 4;

  /// Resets everything and sets up the band-pass at the nominal frequency.
  /// Under 2.5 samples a nominal cycle the tracker stays disabled (no
  /// crossing is ever queued). @returns the band-pass's Init status.
  Status Init(float nominal_hz, float q, float rate_hz) {
    // Rebuilt in place, as the meter is (no temporary on a firmware stack).
    this->~CrossingTracker();
    new (this) CrossingTracker();
    enabled_ = rate_hz > 2.5f * nominal_hz;
    for (auto& f : filters_) {
      if (!enabled_) break;
      if (Status s = f.InitBandPass(nominal_hz, q, rate_hz); s != Status::kOk) return s;
    }
    return Status::kOk;
  }
  bool enabled() const { return enabled_; }

  /// The band-pass's delay of a crossing at `f_hz`, samples; positive: the
  /// filtered signal leads, so the true crossing is later.
  float FilterDelay(float f_hz, float rate_hz) const {
    float phase = 0.0f;
#pragma GCC unroll 2
    for (const auto& f : filters_) phase += f.BandPassPhaseAtHz(f_hz);
    return phase / (2.0f * 3.14159265358979f * f_hz / rate_hz);
  }

  /// Levels in the band-pass's domain (Numeric::ForFilter).
  void SetHysteresis(Sample h) { detector_.SetHysteresis(h); }
  void SetImpulseThreshold(Sample threshold) {
    impulse_.threshold = threshold;
    if (!impulse_.pending) impulse_.step_band = Numeric::BandOf(impulse_.threshold);
  }

  /// Starts the path again from `newest` (after a gap, or on another
  /// reference phase): filters, detector and guard forget the past.
  void Restart(Sample newest) {
    for (auto& f : filters_) f.Reset();
    detector_.Reset();
    have_detected_ = false;
    impulse_.previous = newest;
    impulse_.pending = false;
    impulse_.step_band = Numeric::BandOf(impulse_.threshold);
  }
  /// Forgets the queued crossings (another reference phase).
  void DropQueued() { count_ = 0; }

  /// Takes reference sample `n`; `gap`: samples were lost just before it.
  /// `timing()` gives the CrossingTiming when a crossing is found.
  /// `on_impulse(n - 1)` is called when sample n - 1 turns out to have been
  /// an isolated impulse (the path has been given its neighbours' mean).
  template <typename Timing, typename OnImpulse>
  [[gnu::always_inline]] void Take(std::uint64_t n, Sample newest, bool gap, Timing timing, OnImpulse on_impulse) {
    if (!enabled_) return;
    if (gap) Restart(newest);
    if (Numeric::OutsideBand(newest - impulse_.previous, impulse_.step_band)) [[unlikely]] {
      GuardImpulse(n, newest, Numeric::OutsideBand(newest - impulse_.previous, Numeric::BandOf(impulse_.threshold)),
                   timing, on_impulse);
    }
    impulse_.previous = newest;
    Feed(n, newest, timing);
  }

  /// Takes the oldest queued crossing if it lies at or before sample
  /// `latest_whole` (its whole part). @returns false if there is none.
  bool PopUpTo(std::int64_t latest_whole, SamplePosition& at) {
    if (count_ == 0 || queue_[static_cast<std::size_t>(head_)].whole > latest_whole) return false;
    at = queue_[static_cast<std::size_t>(head_)];
    head_ = (head_ + 1) % kQueue;
    count_--;
    return true;
  }

 private:
  // (The callables by value: taken by address, they would be kept in
  // memory on the common path too.)
  template <typename Timing, typename OnImpulse>
  [[gnu::noinline]] void GuardImpulse(std::uint64_t n, Sample newest, bool stepped, Timing timing,
                                      OnImpulse on_impulse) {
    if (impulse_.pending) {
      impulse_.pending = false;
      const Sample candidate = impulse_.previous;
      const Sample bridge = Numeric::FilterMidpoint(impulse_.before, newest);
      const auto band = Numeric::BandOf(impulse_.threshold);
      if (stepped && !Numeric::OutsideBand(impulse_.before - newest, band) &&
          Numeric::OutsideBand(candidate - bridge, band)) {
        // The path as it was before the candidate, then the bridge in its
        // place. The hysteresis may have changed since (a window closed).
        const Sample hysteresis = detector_.hysteresis();
        filters_ = impulse_.filters;
        detector_ = impulse_.detector;
        detector_.SetHysteresis(hysteresis);
        last_detected_ = impulse_.last_detected;
        have_detected_ = impulse_.have_detected;
        // Crossings it queued are withdrawn (the processing point lags too
        // far to have taken them).
        const auto queued = static_cast<int>(impulse_.pushes - impulse_.pushes_at_candidate);
        count_ = std::max(0, count_ - queued);
        Feed(n - 1, bridge, timing);
        on_impulse(n - 1);
        impulse_.previous = bridge;
        stepped = Numeric::OutsideBand(newest - bridge, band);
      }
    }
    if (stepped) {
      // The newest sample is the next candidate.
      impulse_.pending = true;
      impulse_.before = impulse_.previous;
      impulse_.filters = filters_;
      impulse_.detector = detector_;
      impulse_.last_detected = last_detected_;
      impulse_.have_detected = have_detected_;
      impulse_.pushes_at_candidate = impulse_.pushes;
    }
    impulse_.step_band = impulse_.pending ? Numeric::kEverywhereOutside : Numeric::BandOf(impulse_.threshold);
  }

  template <typename Timing>
  [[gnu::always_inline]] void Feed(std::uint64_t n, Sample ref, Timing timing_of) {
    // (Unrolled by request: as a member of this class GCC kept the loop,
    // a compare and branch a section on every sample.)
#pragma GCC unroll 2
    for (auto& f : filters_) ref = f.Process(ref);
    if (Numeric::Overflowed(ref)) {
      // Overflowing input (a full-scale float): restart the filters rather
      // than let an infinite state silence every later crossing.
      for (auto& f : filters_) f.Reset();
      detector_.Reset();
      return;
    }
    float frac = 0.0f;
    if (!detector_.Process(ref, frac)) return;

    const SamplePosition detected{static_cast<std::int64_t>(n) - 1, frac};
    const CrossingTiming timing = timing_of();
    float f_est = timing.nominal_hz;
    if (have_detected_) {
      const float interval = Span(last_detected_, detected);
      if (interval >= timing.min_cycle && interval <= timing.max_cycle) f_est = timing.rate_hz / interval;
    }
    last_detected_ = detected;
    have_detected_ = true;

    const float corrected = frac + FilterDelay(f_est, timing.rate_hz);
    const float whole = std::floor(corrected);
    const SamplePosition at{detected.whole + static_cast<std::int64_t>(whole), corrected - whole};
    if (count_ == kQueue) {  // the oldest gives way
      head_ = (head_ + 1) % kQueue;
      count_--;
    }
    queue_[static_cast<std::size_t>((head_ + count_) % kQueue)] = at;
    count_++;
    impulse_.pushes++;
  }

  // (The members keep the order they had inside the meter: the frame
  // body's register allocation follows their offsets.)
  std::array<dsp::Biquad<Numeric>, 2> filters_{};
  dsp::ZeroCrossingDetector<Sample> detector_{};
  bool enabled_ = true;
  SamplePosition last_detected_{};
  bool have_detected_ = false;
  struct ImpulseGuard {
    Sample previous{};  // the last reference sample taken
    // [-threshold, threshold] for the step test; everywhere-outside while a
    // candidate waits, so that the next sample always reaches GuardImpulse
    // without a second test in the common path.
    typename Numeric::Band step_band{};
    Sample threshold{};
    bool pending = false;
    Sample before{};  // the sample before the candidate
    std::array<dsp::Biquad<Numeric>, 2> filters{};
    dsp::ZeroCrossingDetector<Sample> detector{};
    SamplePosition last_detected{};
    bool have_detected = false;
    std::uint32_t pushes = 0;  // crossings queued so far (wraps)
    std::uint32_t pushes_at_candidate = 0;
  } impulse_{};
  std::array<SamplePosition, kQueue> queue_{};
  int head_ = 0, count_ = 0;
};

}  // namespace meter
