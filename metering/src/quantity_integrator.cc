#include "meter/metering/quantity_integrator.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>

#include "integrator_block_add.h"

namespace meter {

template <typename Numeric>
void QuantityIntegrator<Numeric>::Init(Wiring wiring) {
  *this = QuantityIntegrator{};
  phases_ = PhaseCount(wiring);
  line_to_line_ = LineToLineCount(wiring);
  three_wire_ = wiring == Wiring::k3P3W;
}

template <typename Numeric>
void QuantityIntegrator<Numeric>::ComputeQuantities(const History& history, std::uint64_t m, Quantities& q) const {
  // Samples at the processing point, DC-shifted; the current for power is
  // read at the phase-compensated position.
  using N = Numeric;
  std::array<Sample, 3> v{}, i{}, ic{};
  const Frame& now = history.At(m);
  // Per sample, at most three phases: unrolled, no loop overhead.
#pragma GCC unroll 3
  for (int p = 0; p < phases_; ++p) {
    const auto up = static_cast<std::size_t>(p);
    v[up] = N::Sub(now[up], dc_v_[up]);
    i[up] = N::Sub(now[3 + up], dc_i_[up]);
    const std::uint64_t k = m + static_cast<std::uint64_t>(static_cast<std::int64_t>(comp_whole_[up]));
    const std::size_t ch = 3 + up;
    const Sample shifted =
        history.ReadRun(k - 1, 4, [&](auto f) { return comp_taps_[up].Apply(f(0)[ch], f(1)[ch], f(2)[ch], f(3)[ch]); });
    ic[up] = N::Sub(shifted, dc_i_[up]);
  }
  if (three_wire_) {
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
  if (line_to_line_ == 1) {
    const Sample d = N::Sub(v[0], v[1]);
    q[kQLineToLine] = N::Mul(d, d);
  } else if (line_to_line_ == 3) {
    const Sample ab = N::Sub(v[0], v[1]), bc = N::Sub(v[1], v[2]), ca = N::Sub(v[2], v[0]);
    q[kQLineToLine] = N::Mul(ab, ab);
    q[kQLineToLine + 1] = N::Mul(bc, bc);
    q[kQLineToLine + 2] = N::Mul(ca, ca);
  }
  {
    const Sample in = N::Add3(i[0], i[1], i[2]);
    q[kQNeutral] = N::Mul(in, in);
  }
  if (three_wire_) {
    q[kQTwoWattmeter] = N::Mul(N::Sub(v[0], v[1]), ic[0]) + N::Mul(N::Sub(v[2], v[1]), ic[2]);
  }
}

template <typename Numeric>
void QuantityIntegrator<Numeric>::Start(const History& history, std::uint64_t m) {
  ComputeQuantities(history, m, last_quantities_);
  for (std::size_t k = 0; k < static_cast<std::size_t>(kQuantityCount); ++k) integrators_[k].Start(last_quantities_[k]);
}

template <typename Numeric>
void QuantityIntegrator<Numeric>::CloseAt(const History& history, std::uint64_t m, float frac,
                                          const std::array<float, kQuantityCount>& scale,
                                          std::array<float, kQuantityCount>& integrals) {
  // The edge needs every sample before it integrated, and this sample's
  // quantities as shifted now.
  Flush(history);
  Quantities q{};
  ComputeQuantities(history, m, q);
  for (std::size_t k = 0; k < static_cast<std::size_t>(kQuantityCount); ++k) {
    // Cycle integrals leave the numeric type here: physical units, float.
    integrals[k] = static_cast<float>(integrators_[k].SplitAndAdd(last_quantities_[k], q[k], frac)) * scale[k];
  }
  last_quantities_ = q;  // the next edge interpolates from this sample
}

template <typename Numeric>
void QuantityIntegrator<Numeric>::ReopenAt(const History& history, std::uint64_t m, float frac) {
  Quantities q_prev{}, q{};
  ComputeQuantities(history, m - 1, q_prev);
  ComputeQuantities(history, m, q);
  for (std::size_t k = 0; k < static_cast<std::size_t>(kQuantityCount); ++k)
    integrators_[k].Reopen(q_prev[k], q[k], frac);
  last_quantities_ = q;  // as shifted now
}

template <typename Numeric>
void QuantityIntegrator<Numeric>::Flush(const History& history) {
  if (run_length_ == 0) return;
  const std::uint64_t first = run_first_;
  const int count = run_length_;
  run_length_ = 0;
  if (FlushVector(history, first, count)) return;
  if (phase_run_ready_) {
    FlushPhases(history, first, count);
    return;
  }
  for (int k = 0; k < count; ++k) AddSampleQuantities(history, first + static_cast<std::uint64_t>(k));
}

template <typename Numeric>
void QuantityIntegrator<Numeric>::AddSampleQuantities(const History& history, std::uint64_t m) {
  ComputeQuantities(history, m, last_quantities_);
  dsp::AddToEach(integrators_, last_quantities_, detail::IntegratorBlockAdd{});
}

template <typename Numeric>
void QuantityIntegrator<Numeric>::FlushPhases([[maybe_unused]] const History& history,
                                              [[maybe_unused]] std::uint64_t first, [[maybe_unused]] int count) {
  if constexpr (kHasPhaseLoop) {
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
    constexpr std::size_t kHistory = CycleResampler<Numeric>::kHistory;
    const int reach = phase_run_.reach_last - phase_run_.reach_first;
    std::array<std::int64_t, kQuantityCount> sums{};
    while (count > 0) {
      const std::uint64_t window_first = first - static_cast<std::uint64_t>(-phase_run_.reach_first);
      const auto room =
          static_cast<int>(kHistory - (window_first & (kHistory - 1))) - reach;  // samples before the wrap
      if (room <= 0) {
        AddSampleQuantities(history, first);
        ++first;
        --count;
        continue;
      }
      const int take = room < count ? room : count;
      detail::SumPhaseRunQ31(phase_run_, history.At(first).data(), take, sums.data(), last_quantities_.data());
      first += static_cast<std::uint64_t>(take);
      count -= take;
    }
    dsp::AddToEach(integrators_, sums, detail::IntegratorBlockAdd{});
  }
}

template <typename Numeric>
bool QuantityIntegrator<Numeric>::FlushVector([[maybe_unused]] const History& history,
                                              [[maybe_unused]] std::uint64_t first, [[maybe_unused]] int count) {
  if constexpr (dsp::kX86Avx2) {
    if (!run_vector_) return false;
    // Every frame the run and its compensation window reach, unwrapped: the
    // window starts before the run's first sample or after it (every current
    // advanced by two samples or more).
    const int lowest = std::min(0, run_setup_.lagrange_first);
    const int highest = std::max(0, run_setup_.lagrange_first + run_setup_.lagrange_taps - 1);
    const Frame* frames = history.Contiguous(first - static_cast<std::uint64_t>(-lowest),
                                             static_cast<std::size_t>(count + highest - lowest));
    if (frames == nullptr) return false;
    typename Loops::VectorSums sums;
    Loops::SumVector(run_setup_, frames[-lowest].data(), count, sums);
    // The run's sums go to the integrators, its last sample's values to
    // last_quantities_.
    using K = typename Loops::VectorSums;
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
      for (std::size_t l = 0; l < static_cast<std::size_t>(line_to_line_); ++l) use(kQLineToLine + l, v[K::kLln][l]);
      use(std::size_t{kQNeutral}, v[K::kLln][3]);
    };
    store(sums.sum, [&](std::size_t k, auto x) { integrators_[k].Add(x); });
    store(sums.last, [&](std::size_t k, auto x) { last_quantities_[k] = x; });
    return true;
  }
  return false;
}

template <typename Numeric>
void QuantityIntegrator<Numeric>::SetDcShifts(const std::array<Sample, 3>& v, const std::array<Sample, 3>& i,
                                              const InputConditioner<Numeric>& conditioner) {
  dc_v_ = v;
  dc_i_ = i;
  UpdateRunSetup(conditioner);
}

template <typename Numeric>
void QuantityIntegrator<Numeric>::SetCompensation(const std::array<float, 3>& advance_samples,
                                                  const InputConditioner<Numeric>& conditioner) {
  for (std::size_t p = 0; p < 3; ++p) {
    const float whole = std::floor(advance_samples[p]);
    comp_whole_[p] = static_cast<int>(whole);
    comp_taps_[p] = dsp::LagrangeTaps<Numeric>::ForFraction(advance_samples[p] - whole);
  }
  UpdateRunSetup(conditioner);
}

template <typename Numeric>
void QuantityIntegrator<Numeric>::LimitRunLoop(RunLoop fastest, const History& history,
                                               const InputConditioner<Numeric>& conditioner) {
  Flush(history);  // the samples waiting go the way they were meant to
  run_loop_limit_ = fastest;
  UpdateRunSetup(conditioner);
}

template <typename Numeric>
bool QuantityIntegrator<Numeric>::RunsCannotSaturate(
    [[maybe_unused]] const InputConditioner<Numeric>& conditioner) const {
  if constexpr (!Numeric::kFixedPoint) {
    return true;
  } else {
    // With each channel's conditioned samples bounded by its ADC range,
    // offset and gain, no DC-shifted sample, line-to-line difference,
    // neutral sum or compensated current may reach the limit.
    constexpr std::int64_t kLimit = std::numeric_limits<std::int32_t>::max();
    std::int64_t v_max = 0, i_max = 0;
    for (std::size_t p = 0; p < static_cast<std::size_t>(phases_); ++p) {
      const std::int64_t i_bound = conditioner.SampleBound(3 + p);
      const std::int64_t i_dc = std::abs(std::int64_t{dc_i_[p]});
      v_max = std::max(v_max, conditioner.SampleBound(p) + std::abs(std::int64_t{dc_v_[p]}));
      i_max = std::max(i_max, i_bound + i_dc);
      std::int64_t tap_sum = 0;  // Q30
      for (const std::int32_t c : comp_taps_[p].c) tap_sum += std::abs(std::int64_t{c});
      if (((tap_sum * i_bound) >> Numeric::kCoefBits) + 1 + i_dc > kLimit) return false;
    }
    return 2 * v_max <= kLimit && 3 * i_max <= kLimit;
  }
}

template <typename Numeric>
void QuantityIntegrator<Numeric>::UpdateRunSetup(const InputConditioner<Numeric>& conditioner) {
  // Both run loops cover the wirings with a neutral or one phase (3P3W's
  // star point and two-wattmeter products stay on the per-sample loop); in
  // Q31 they have no saturation, so they run only where none can occur.
  phase_run_ready_ = false;
  run_vector_ = false;
  if (three_wire_ || run_loop_limit_ == RunLoop::kPerSample || !RunsCannotSaturate(conditioner)) return;
  int lowest = comp_whole_[0], highest = comp_whole_[0];
  for (std::size_t p = 1; p < static_cast<std::size_t>(phases_); ++p) {
    lowest = std::min(lowest, comp_whole_[p]);
    highest = std::max(highest, comp_whole_[p]);
  }
  if constexpr (kHasPhaseLoop) {
    phase_run_.phases = phases_;
    phase_run_.line_to_line = line_to_line_;
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
  if constexpr (dsp::kX86Avx2) {
    // The vector loop: compensation advances within kMaxLagrangeTaps - 3
    // samples of each other.
    using Setup = typename Loops::VectorSetup;
    if (!dsp::X86HasAvx2Fma() || run_loop_limit_ != RunLoop::kVector) return;
    const int taps = highest - lowest + 4;
    if (taps > Setup::kMaxLagrangeTaps) return;
    run_setup_ = {};  // zero taps outside each lane's four
    run_setup_.lagrange_taps = taps;
    run_setup_.lagrange_first = lowest - 1;  // Lagrange reads k - 1 .. k + 2
    // The window's DC shifts too: this runs after every change of them. A
    // phase's current sits in its sums' current lane (float 3 + p, Q31 p).
    constexpr auto kCurrentLane = static_cast<std::size_t>(Loops::VectorSums::kCurrentLane);
    for (std::size_t p = 0; p < static_cast<std::size_t>(phases_); ++p) {
      const auto offset = static_cast<std::size_t>(comp_whole_[p] - lowest);
      for (std::size_t t = 0; t < 4; ++t) run_setup_.lagrange[offset + t][kCurrentLane + p] = comp_taps_[p].c[t];
      run_setup_.dc[p] = dc_v_[p];
      run_setup_.dc[3 + p] = dc_i_[p];
      run_setup_.dc_current[kCurrentLane + p] = dc_i_[p];
    }
    run_vector_ = true;
  }
}

template class QuantityIntegrator<dsp::FloatNumeric>;
template class QuantityIntegrator<dsp::Q31Numeric>;

}  // namespace meter
