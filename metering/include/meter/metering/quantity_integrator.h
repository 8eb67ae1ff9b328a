#pragma once
// Quantity integration, the meter's per-sample stage after conditioning: at
// the processing point, each sample's voltages and currents less the
// window's DC shifts, the currents read at their phase-compensated position
// (cubic Lagrange), and the products the meter integrates (squares, V x
// compensated I, line-to-line, neutral, 3P3W two-wattmeter), added into
// edge-exact integrators (interval_figures.h names the quantities).
//
// Samples with no cycle edge among them wait as a run of up to kMaxRun and
// are added at once (Flush), so that a run loop can take them together:
//   per sample  every wiring, every bound;
//   phases      Q31: one phase at a time (quantity_run_q31.h), every target;
//   vector      x86-64 with AVX2: one vector a frame (quantity_run_x86.h).
// Each gives the per-sample loop's sums: Q31 to the bit, float to rounding.
// Q31 has no saturation in the run loops, so they run only where the
// conditioning's sample bounds and the DC shifts rule it out.
//
// The per-sample path (Defer, Flush) is inline: it runs inside the meter's
// frame body.

#include <array>
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "meter/dsp/edge_integrator.h"
#include "meter/dsp/fractional_delay.h"
#include "meter/dsp/numeric.h"
#include "meter/dsp/target.h"
#include "meter/metering/config.h"
#include "meter/metering/cycle_resampler.h"
#include "meter/metering/input_conditioner.h"
#include "meter/metering/interval_figures.h"
#include "meter/metering/quantity_run_q31.h"
#include "meter/metering/quantity_run_x86.h"

namespace meter {

namespace detail {
/// A run loop a numeric policy or a target does not have.
struct NoRunLoop {};

/// The run loops of each numeric policy: the set-up each keeps and the
/// x86 vector loop's entry.
template <typename Numeric>
struct RunLoopsOf;
template <>
struct RunLoopsOf<dsp::FloatNumeric> {
  using PhaseSetup = NoRunLoop;  // float sums do not gain from it: no phase loop
  using VectorSetup = QuantityRunSetup;
  using VectorSums = QuantityRunSums;
  static void SumVector(const VectorSetup& setup, const float* first_frame, int count, VectorSums& out) {
    SumQuantityRunAvx2(setup, first_frame, count, out);
  }
};
template <>
struct RunLoopsOf<dsp::Q31Numeric> {
  using PhaseSetup = PhaseRunSetupQ31;
  using VectorSetup = QuantityRunSetupQ31;
  using VectorSums = QuantityRunSumsQ31;
  static void SumVector(const VectorSetup& setup, const std::int32_t* first_frame, int count, VectorSums& out) {
    SumQuantityRunQ31Avx2(setup, first_frame, count, out);
  }
};
}  // namespace detail

template <typename Numeric>
class QuantityIntegrator {
 public:
  using Sample = typename Numeric::Sample;
  using Product = typename Numeric::Product;
  using Quantities = std::array<Product, kQuantityCount>;
  using History = typename CycleResampler<Numeric>::History;
  using Frame = typename CycleResampler<Numeric>::Frame;
  /// Most samples whose integration waits for one run.
  static constexpr int kMaxRun = 32;

  /// The loops that sum the runs, slowest first.
  enum class RunLoop : std::uint8_t {
    kPerSample,  ///< one sample's quantities at a time: every wiring, every bound
    kPhases,     ///< Q31, every target: one phase at a time over a run, where nothing can saturate; not 3P3W
    kVector,     ///< x86-64 hosts with AVX2: one vector per frame (Q31: where nothing can saturate); not 3P3W
  };

  /// Takes the wiring; no DC shift, no compensation, every loop allowed.
  void Init(Wiring wiring);

  /// The first sample: its quantities start the integrators.
  void Start(const History& history, std::uint64_t m);
  /// A sample with no cycle edge before it: it joins the waiting run.
  [[gnu::always_inline]] void Defer(const History& history, std::uint64_t m) {
    if (run_length_ == 0) run_first_ = m;
    if (++run_length_ == kMaxRun) Flush(history);
  }
  /// Adds the waiting run's quantities to the integrators.
  void Flush(const History& history);
  /// A cycle edge at fraction `frac` between samples m - 1 and m: flushes,
  /// closes each integrator's interval there and returns the closed
  /// intervals' integrals, each times `scale` (to physical units, float).
  /// (Out of line: inlined into the meter's frame body it cost the
  /// Cortex-M4F 8 / 14 instructions a sample set, docs/PERFORMANCE.md.)
  void CloseAt(const History& history, std::uint64_t m, float frac, const std::array<float, kQuantityCount>& scale,
               std::array<float, kQuantityCount>& integrals);
  /// After CloseAt, when the DC shifts or the compensation changed at that
  /// edge: the interval that opened there restarts with the new ones on
  /// both samples around it, so that one shift holds over the whole window.
  void ReopenAt(const History& history, std::uint64_t m, float frac);

  /// The window's DC shifts, per phase; `conditioner` gives the sample
  /// bounds the Q31 run loops need. Set, like the compensation, only while
  /// no run waits (at a cycle edge, after CloseAt, or before the first
  /// sample): a waiting run would take the new values.
  void SetDcShifts(const std::array<Sample, 3>& v, const std::array<Sample, 3>& i,
                   const InputConditioner<Numeric>& conditioner);
  const std::array<Sample, 3>& dc_v() const { return dc_v_; }
  const std::array<Sample, 3>& dc_i() const { return dc_i_; }
  /// Each current's phase advance, in samples (fractions allowed).
  void SetCompensation(const std::array<float, 3>& advance_samples, const InputConditioner<Numeric>& conditioner);

  /// The fastest loop allowed from the next sample on (flushes first).
  void LimitRunLoop(RunLoop fastest, const History& history, const InputConditioner<Numeric>& conditioner);
  RunLoop ActiveRunLoop() const {
    if (dsp::kX86Avx2 && run_vector_) return RunLoop::kVector;
    return phase_run_ready_ ? RunLoop::kPhases : RunLoop::kPerSample;
  }

  /// The quantities of sample m as the per-sample loop computes them.
  void ComputeQuantities(const History& history, std::uint64_t m, Quantities& q) const;

 private:
  using Loops = detail::RunLoopsOf<Numeric>;
  static constexpr bool kHasPhaseLoop = !std::is_empty_v<typename Loops::PhaseSetup>;

  void AddSampleQuantities(const History& history, std::uint64_t m);
  void FlushPhases(const History& history, std::uint64_t first, int count);
  bool FlushVector(const History& history, std::uint64_t first, int count);
  // Q31: whether the sample bounds and DC shifts rule out saturation in
  // every run loop's difference, sum and rounding.
  bool RunsCannotSaturate(const InputConditioner<Numeric>& conditioner) const;
  void UpdateRunSetup(const InputConditioner<Numeric>& conditioner);

  // (In the place these members had in the meter, first the per-sample
  // ones: within an immediate offset's reach on a Cortex-M.)
  std::array<Sample, 3> dc_v_{}, dc_i_{};
  std::array<int, 3> comp_whole_{};                        // current advance, whole samples
  std::array<dsp::LagrangeTaps<Numeric>, 3> comp_taps_{};  // and its fraction
  std::array<dsp::EdgeIntegrator<Numeric>, kQuantityCount> integrators_{};
  // The quantities of the last sample the integrators hold (an edge
  // interpolates from them); those the wiring does not use stay zero.
  Quantities last_quantities_{};
  std::uint64_t run_first_ = 0;
  int run_length_ = 0;
  RunLoop run_loop_limit_ = RunLoop::kVector;
  [[no_unique_address]] typename Loops::PhaseSetup phase_run_{};
  bool phase_run_ready_ = false;
  bool run_vector_ = false;  // the wiring, CPU, limit and (Q31) the sample bounds suit the vector loop
  bool three_wire_ = false;  // 3P3W: star point, two-wattmeter products
  int phases_ = 3;
  int line_to_line_ = 0;
  // The x86 vector loop's DC shifts and compensation taps (nothing elsewhere).
  [[no_unique_address]] std::conditional_t<dsp::kX86Avx2, typename Loops::VectorSetup, detail::NoRunLoop> run_setup_{};
};

extern template class QuantityIntegrator<dsp::FloatNumeric>;
extern template class QuantityIntegrator<dsp::Q31Numeric>;

}  // namespace meter
