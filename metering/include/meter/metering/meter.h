#pragma once
// The meter: one object per metering point. Feed it one frame of
// simultaneous samples at a time; it publishes a WindowResult every 10
// (50 Hz) or 12 (60 Hz) cycles of the measured fundamental and an
// AggregateResult every 15 windows.
//
// Pipeline per sample (constant work, no division, no sqrt):
//   condition (offset, gain, ratio; NaN hold; clip flag) -> history
//   -> DC shift -> V-I phase compensation (cubic Lagrange on the current)
//   -> products v^2, i^2, v*i, ... into edge-exact cycle integrals
//   -> zero-crossing of the reference voltage -> cycle boundaries.
// Per cycle: the cycle is resampled to 128 points (windowed sinc) and added,
// per channel, into the window's sum of cycles and its fold; its P and S
// (from the integrals) go out at once in its CycleEnergy record.
// Per window: one real FFT of each sum (the harmonic subgroup centre bins)
// and one complex FFT of each fold (the neighbour bins); rms, P, S, PF from
// the integrals, with exact DC removal (covariances over the window); Q
// (Budeanu), P1, Q1, THD and unbalance from the equalised,
// phase-compensated spectrum. The window's Q is then shared among its
// cycles' records in proportion to their S.
//
// Everything is sized at compile time; the object is large (the sample
// history dominates) and should be static or a member of one.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "meter/dsp/numeric.h"
#include "meter/dsp/ring_buffer.h"
#include "meter/dsp/target.h"
#include "meter/metering/config.h"
#include "meter/metering/crossing_tracker.h"
#include "meter/metering/cycle_energy.h"
#include "meter/metering/cycle_energy_queue.h"
#include "meter/metering/cycle_resampler.h"
#include "meter/metering/frame.h"
#include "meter/metering/harmonic_analysis.h"
#include "meter/metering/harmonic_spectrum.h"
#include "meter/metering/input_conditioner.h"
#include "meter/metering/interval_figures.h"
#include "meter/metering/quantity_integrator.h"
#include "meter/metering/sample_position.h"
#include "meter/metering/window_aggregator.h"
#include "meter/metering/window_result.h"
#include "meter/status.h"

namespace meter {

/// The input frame of each numeric variant.
template <typename Numeric>
struct InputOf;
template <>
struct InputOf<dsp::FloatNumeric> {
  using Type = SampleFrame;
};
template <>
struct InputOf<dsp::Q31Numeric> {
  using Type = AdcFrame;
};

/// What ProcessFrame produced, as bits.
enum MeterEvent : std::uint8_t {
  kEventNone = 0,
  kEventWindow = 1,          ///< LastWindow() and Spectrum() hold a new window.
  kEventAggregate = 2,       ///< LastAggregate() holds a new 150/180-cycle value.
  kEventFrequency10s = 4,    ///< Frequency10s() holds a new 10 s value.
  kEventCycle = 8,           ///< One or more CycleEnergy records wait in PopCycle().
  kEventCycleReactive = 16,  ///< One or more records wait in PopCycleReactive().
};

/// The meter for one numeric policy: `Meter` (float) or `MeterQ31`.
template <typename Numeric>
class BasicMeter {
 public:
  using Sample = typename Numeric::Sample;
  using Input = typename InputOf<Numeric>::Type;

  static constexpr std::size_t kHistory = CycleResampler<Numeric>::kHistory;
  static constexpr int kWindowsPerAggregate = WindowAggregator::kWindowsPerAggregate;
  /// Cycle records the meter keeps for PopCycle and PopCycleReactive.
  static constexpr int kCycleQueue = CycleEnergyQueue::kCapacity;
  /// Most samples whose integration waits for one run.
  static constexpr int kMaxRun = QuantityIntegrator<Numeric>::kMaxRun;

  /// Validates the configuration and resets all state.
  /// Sample rates of 4000..32000 Hz meet the accuracy figures; 100..4000 Hz
  /// (recordings) run with THD limited below Nyquist and, under 2.5 samples
  /// per nominal cycle, nominal-length windows (both flagged).
  /// @returns kInvalidArgument for a rate outside 100..32000 Hz, a nominal
  ///   frequency other than 50/60, a zero or non-finite ratio or gain, a
  ///   phase compensation beyond +-5 degrees, a harmonic order outside
  ///   2..kMaxHarmonicOrder, a bad high-leg phase or non-positive ratings;
  ///   (Q31) ADC bits other than 16 or 24, a gain beyond 1.25 relative to
  ///   the kind's largest ratio, or an offset beyond the ADC's range;
  ///   kOutOfRange if the history cannot hold a cycle at this rate;
  ///   kResourceExhausted if the FFT plans do not fit their arena.
  Status Init(const MeterConfig& config);
  const MeterConfig& config() const { return config_; }

  /// Processes one frame. @returns a MeterEvent bit set.
  std::uint8_t ProcessFrame(const Input& frame) { return ProcessFrames({&frame, 1}).events; }

  /// What ProcessFrames did: how many frames it took, and their events or-ed.
  struct BlockResult {
    std::size_t frames = 0;
    std::uint8_t events = 0;
  };
  /// Processes frames in order, each exactly as ProcessFrame, up to the end
  /// of `frames` or the first frame with an event in `stop` (included): one
  /// call a DMA block, so the call and its register saves are paid once a
  /// block (about 17 instructions a frame on an x86 host).
  BlockResult ProcessFrames(std::span<const Input> frames, std::uint8_t stop = 0);

  /// The loops that sum the runs of samples between cycle edges, slowest
  /// first (quantity_integrator.h). Each gives the per-sample loop's sums:
  /// to the bit in Q31 (the same integer operations), to rounding in float
  /// (the vector loop fuses and sums a run before it reaches the
  /// integrators).
  using RunLoop = typename QuantityIntegrator<Numeric>::RunLoop;
  /// The loop that sums the runs now (the CPU, the wiring, the
  /// compensation's spread and, for Q31, the sample bounds decide).
  RunLoop ActiveRunLoop() const { return integrator_.ActiveRunLoop(); }

  /// Tells the meter that `lost_samples` frames are missing before the next
  /// frame (a DMA overrun, a gap in a file). The window is flagged and the
  /// zero-crossing tracking restarts; time stamps account for the gap.
  void MarkGap(std::uint64_t lost_samples);

  const WindowResult& LastWindow() const { return published_; }
  const HarmonicSpectrum& Spectrum() const { return analysis_.spectrum(); }
  const AggregateResult& LastAggregate() const { return aggregator_.last(); }
  /// The last IEC 61000-4-30 10 s frequency (whole cycles in the 10 s
  /// interval over their duration); NaN if no cycle was counted.
  float Frequency10s() const { return frequency_10s_; }

  /// Takes the oldest cycle record not yet taken, as soon as the cycle's
  /// time-domain powers are known (P, S, duration: what the active and
  /// apparent registers need); its Q is not known yet. Records wait in a
  /// FIFO of kCycleQueue; a caller draining both Pop functions after every
  /// ProcessFrame never loses one. @returns false when none waits.
  bool PopCycle(CycleEnergy& out) { return cycle_queue_.PopActive(out); }
  /// Takes the oldest record already taken by PopCycle whose Q is now known,
  /// in the same order: a window's cycles come out together when its
  /// spectrum closes, each with the window's Budeanu Q shared in proportion
  /// to its S (so they add up to the window's Q times its duration).
  /// @returns false when none waits.
  bool PopCycleReactive(CycleEnergy& out) { return cycle_queue_.PopReactive(out); }
  /// Gives the cycles still waiting for their window's spectrum the last
  /// window's Q/S (q_estimated): at the end of a recording, or before a
  /// power-fail save, so that no reactive energy stays behind.
  void ReleaseWaitingCycles() { ReleaseHeldCycles(nullptr, UINT64_MAX); }
  /// Cycle records dropped because the FIFO was full (a caller bug).
  std::uint32_t dropped_cycles() const { return cycle_queue_.dropped(); }

  /// The running DC estimates of va vb vc ia ib ic, primary units (what an
  /// offset calibration at no load reads).
  std::array<float, 6> ChannelOffsets() const {
    std::array<float, 6> out{};
    for (std::size_t p = 0; p < 3; ++p) {
      out[p] = Numeric::ToFloat(integrator_.dc_v()[p]) * conditioner_.v_unit();
      out[3 + p] = Numeric::ToFloat(integrator_.dc_i()[p]) * conditioner_.i_unit();
    }
    return out;
  }

  /// Samples lost to gaps so far (time stamps = (sample + gaps) / rate).
  std::uint64_t gap_samples() const { return gap_samples_; }
  /// Latency of the processing point behind the newest sample, in samples.
  int processing_delay() const { return delay_; }

 private:
  // Tests compare the loops (tests/support/meter_test_access.h); nothing in
  // an integration needs to choose one, so the switch is not public.
  friend struct MeterTestAccess;
  /// The fastest loop the meter may take, from the next sample on; Init
  /// allows every one. kPerSample also takes the portable conditioning (no
  /// whole-frame form).
  void LimitRunLoop(RunLoop fastest);

  using Position = SamplePosition;

  // A cycle waiting for the samples its resampling needs (its record is
  // in cycle_out_ already).
  struct PendingCycle {
    Position start;
    Position end;
    int index_in_window = 0;
  };

  struct WindowAccumulators {
    std::array<float, kQuantityCount> integral{};
    Position start{};
    int cycles = 0;
    std::uint32_t flags = 0;
    int real_intervals = 0;       // zero-crossing intervals ending in the window
    float real_interval_sum = 0;  // their total length, samples
    bool spectrum_ok = true;
  };

  // The per-frame body: inlined into the block loop on x86 hosts only
  // (target.h says why).
  METER_DSP_INLINE_ON_VECTOR_HOSTS std::uint8_t ProcessOneFrame(const Input& frame);
  // Q31: whether no resampled point or its DC shift can saturate.
  bool ResamplingCannotSaturate() const;
  void OnCycleBoundary(const Position& at, bool real, const std::array<float, kQuantityCount>& cycle_integral);
  // `gap`: samples were lost just before sample n.
  void DetectCrossing(std::uint64_t n, bool gap);
  void OnRealCrossing(const Position& at);
  void CloseWindow(const Position& end);
  void ServicePendingCycles(std::uint64_t newest);
  void ResampleCycle(const PendingCycle& cycle);
  void HoldCycle(const CycleEnergy& cycle);
  // Gives the held records ending by `up_to_tick` their Q: `window`'s, or
  // the last known Q/S for nullptr.
  void ReleaseHeldCycles(const WindowResult* window, std::uint64_t up_to_tick);
  static std::uint64_t Tick(const Position& p);
  void FinishSpectrum();
  void UpdatePhaseCompensation(float f_hz);
  void SetQuantityScales();
  void SetCrossingHysteresis(float volts);
  void SetImpulseThreshold(float volts);

  MeterConfig config_{};
  int phases_ = 3;
  int ll_count_ = 0;
  int cycles_per_window_ = 10;
  int delay_ = 0;
  float rate_ = 8000.0f;
  // The first stage: raw frames to conditioned samples (its own header).
  InputConditioner<Numeric> conditioner_{};
  std::array<float, kQuantityCount> quantity_scale_{};       // integral units to physical units
  float min_cycle_ = 0, max_cycle_ = 0, nominal_cycle_ = 0;  // samples
  std::int64_t max_cycle_whole_ = 0;
  float missing_threshold_v_ = 0;

  // (The per-sample path's small members come first, within the reach of
  // an immediate load offset from `this` on a Cortex-M (1020 bytes for
  // VLDR); the sample history and the harmonic path follow them.)
  // A conditioned frame: channels va vb vc ia ib ic, as in the history.
  using HistoryFrame = std::array<Sample, 6>;
  // The zero-crossing reference of a frame, in the band-pass's domain.
  Sample FilterReference(const HistoryFrame& frame) const;
  std::uint64_t raw_count_ = 0;

  bool pending_gap_ = false;
  // Processing point (raw_count_ - 1 - delay_): the quantities and their
  // integrals (a stage of its own).
  QuantityIntegrator<Numeric> integrator_{};
  bool resample_less_offsets_ = false;  // Q31: ResamplingCannotSaturate, kept with every DC change
  // Zero-crossing path, at the newest sample (a stage of its own).
  CrossingTracker<Numeric> crossings_{};
  int reference_phase_ = 0;
  Position last_boundary_{};
  Position last_real_crossing_{};
  bool have_real_crossing_ = false;
  bool free_running_ = false;
  Position next_forced_{};
  bool first_window_ = true;
  WindowAccumulators window_{};
  std::uint64_t gap_samples_ = 0;

  // 10 s frequency.
  std::int64_t f10_interval_end_ = 0;
  std::int64_t f10_interval_samples_ = 0;  ///< 10 s in samples, at the configured rate.
  int f10_cycles_ = 0;
  std::int64_t f10_span_q16_ = 0;  // total cycle length, samples * 2^16: exact over 10 s
  float frequency_10s_ = 0;
  bool f10_ready_ = false;

  // History of conditioned samples (primary units) and per-sample flags.
  // One frame per sample, channels va vb vc ia ib ic side by side: the
  // resampler reads a whole frame per tap (contiguous, vectorised; an x86
  // host with AVX2 copies a cycle's frames channel-major first).
  typename CycleResampler<Numeric>::History hist_{};
  dsp::SampleHistory<std::uint16_t, kHistory> flag_hist_{};

  // Harmonic path: the resampling of a cycle, the cycles waiting for it,
  // and the analysis of the resampled cycles (stages of their own).
  CycleResampler<Numeric> resampler_{};
  std::array<PendingCycle, 4> pending_{};
  int pending_head_ = 0, pending_count_ = 0;
  HarmonicAnalysis<Numeric> analysis_{};
  bool spectrum_valid_ = true;  // every cycle of the window in progress was transformed

  // Per-cycle energy records awaiting the caller (a stage of its own).
  CycleEnergyQueue cycle_queue_{};
  std::uint64_t gap_ticks_unassigned_ = 0;
  std::uint64_t cycle_gap_ticks_ = 0;  // gaps inside the cycle in progress
  // For a window without spectrum (the queue's Release). A member here, not
  // in the queue: inside it, the layout change cost the Q31 frame body 23
  // instructions a sample set (docs/PERFORMANCE.md, "Measured choices").
  std::array<float, 3> last_q_over_s_{};
  // Window awaiting its spectrum, and what is published.
  WindowResult pending_window_{};
  bool window_pending_ = false;
  WindowResult published_{};
  std::uint32_t window_sequence_ = 0;
  std::uint8_t events_ = 0;

  // Aggregation (a stage of its own).
  WindowAggregator aggregator_{};
};

using Meter = BasicMeter<dsp::FloatNumeric>;
using MeterQ31 = BasicMeter<dsp::Q31Numeric>;
extern template class BasicMeter<dsp::FloatNumeric>;
extern template class BasicMeter<dsp::Q31Numeric>;

}  // namespace meter
