#pragma once
// The Q31 phase run's loops and its whole run, shared by the portable file
// (quantity_run_q31.cc) and the Cortex-M4F one (quantity_run_q31_arm.cc):
// SumRun<Loops> is written once, and each file instantiates it with its own
// loops, so the loops inline into it on every target. Private to
// metering/src.
#include <cstdint>

#include "meter/dsp/numeric.h"
#include "meter/metering/quantity_run_q31.h"

namespace meter::detail::quantity_run_q31 {

using Layout = PhaseRunLayout;

using dsp::Q31Numeric;
inline constexpr auto Mul = Q31Numeric::Mul;  // the per-sample loop's product

// The four loops a phase takes and the line loops, each over `count`
// samples. Frames are six words apart; buffers hold a word a sample.

// One channel (every sixth word from x) less its DC shift into out; the
// sum and the sum of squares.
inline void ShiftChannel(const std::int32_t* x, int count, std::int32_t dc, std::int32_t* out, std::int64_t& sum,
                         std::int64_t& squares) {
  for (int k = 0; k < count; ++k) {
    const std::int32_t v = x[6 * k] - dc;
    out[k] = v;
    sum += v;
    squares += Mul(v, v);
  }
}

// The compensated current: the Lagrange Dot of the four samples window[0],
// window[6], window[12], window[18] (then six words on a sample), rounded
// from Q30 as RoundCoefDot, less the DC shift; into out, and summed.
inline void CompensateCurrent(const std::int32_t* window, int count, const std::int32_t* taps, std::int32_t dc,
                              std::int32_t* out, std::int64_t& sum) {
  for (int k = 0; k < count; ++k) {
    const std::int32_t* w = window + 6 * k;
    const std::int64_t acc = static_cast<std::int64_t>(taps[0]) * w[0] + static_cast<std::int64_t>(taps[1]) * w[6] +
                             static_cast<std::int64_t>(taps[2]) * w[12] + static_cast<std::int64_t>(taps[3]) * w[18];
    out[k] = static_cast<std::int32_t>((acc + (std::int64_t{1} << 29)) >> 30) - dc;
    sum += out[k];
  }
}

inline void AddProducts(const std::int32_t* a, const std::int32_t* b, int count, std::int64_t& sum) {
  for (int k = 0; k < count; ++k) sum += Mul(a[k], b[k]);
}

// Three phases' voltages (rows of kMaxRun): the squares of ab, bc, ca.
inline void AddLineSquares(const std::int32_t* v, int count, std::int64_t* sums) {
  constexpr int kRow = PhaseRunSetupQ31::kMaxRun;
  for (int k = 0; k < count; ++k) {
    const std::int32_t a = v[k], b = v[kRow + k], c = v[2 * kRow + k];
    sums[0] += Mul(a - b, a - b);
    sums[1] += Mul(b - c, b - c);
    sums[2] += Mul(c - a, c - a);
  }
}

// The square of the phases' currents' sum (rows of kMaxRun).
inline void AddNeutralSquares(const std::int32_t* i, int phases, int count, std::int64_t& sum) {
  constexpr int kRow = PhaseRunSetupQ31::kMaxRun;
  for (int k = 0; k < count; ++k) {
    std::int32_t n = i[k];
    for (int p = 1; p < phases; ++p) n += i[p * kRow + k];
    sum += Mul(n, n);
  }
}

// The portable loops as SumRun takes them.
struct PortableLoops {
  static void Shift(const std::int32_t* x, int count, std::int32_t dc, std::int32_t* out, std::int64_t& sum,
                    std::int64_t& squares) {
    ShiftChannel(x, count, dc, out, sum, squares);
  }
  // The compensated current into ic, its sum, and its products with v;
  // returns its last sample.
  static std::int32_t CompensateAndMultiply(const std::int32_t* window, int count, const std::int32_t* taps,
                                            std::int32_t dc, const std::int32_t* v, std::int32_t* ic,
                                            std::int64_t& sum_ic, std::int64_t& sum_vic) {
    CompensateCurrent(window, count, taps, dc, ic, sum_ic);
    AddProducts(v, ic, count, sum_vic);
    return ic[count - 1];
  }
  static void LineSquares(const std::int32_t* v, int count, std::int64_t* sums) { AddLineSquares(v, count, sums); }
  static void NeutralSquares(const std::int32_t* i, int phases, int count, std::int64_t& sum) {
    AddNeutralSquares(i, phases, count, sum);
  }
};

// The whole run with a set of loops (PortableLoops, or the Cortex-M4F's).
template <typename Loops>
void SumRun(const PhaseRunSetupQ31& setup, const std::int32_t* first_frame, int count, std::int64_t* sums,
            std::int64_t* last) {
  constexpr int kMax = PhaseRunSetupQ31::kMaxRun;
  std::int32_t v[3][kMax];
  std::int32_t i[3][kMax];
  std::int32_t ic[kMax];
  const int phases = setup.phases;
  const int end = count - 1;
  for (int p = 0; p < phases; ++p) {
    std::int64_t* s = sums + Layout::kPhaseStride * p;
    std::int64_t* l = last + Layout::kPhaseStride * p;
    const std::int32_t* window = first_frame + 6 * (setup.advance[p] - 1) + 3 + p;
    Loops::Shift(first_frame + p, count, setup.dc_v[p], v[p], s[Layout::kV], s[Layout::kVv]);
    Loops::Shift(first_frame + 3 + p, count, setup.dc_i[p], i[p], s[Layout::kI], s[Layout::kIi]);
    ic[end] = Loops::CompensateAndMultiply(window, count, setup.taps[p], setup.dc_i[p], v[p], ic, s[Layout::kIc],
                                           s[Layout::kVic]);
    l[Layout::kV] = v[p][end];
    l[Layout::kI] = i[p][end];
    l[Layout::kIc] = ic[end];
    l[Layout::kVv] = Mul(v[p][end], v[p][end]);
    l[Layout::kIi] = Mul(i[p][end], i[p][end]);
    l[Layout::kVic] = Mul(v[p][end], ic[end]);
  }
  if (setup.line_to_line == 1) {
    std::int64_t ab = 0;
    for (int k = 0; k < count; ++k) ab += Mul(v[0][k] - v[1][k], v[0][k] - v[1][k]);
    sums[Layout::kLineToLine] += ab;
    last[Layout::kLineToLine] = Mul(v[0][end] - v[1][end], v[0][end] - v[1][end]);
  } else if (setup.line_to_line == 3) {
    Loops::LineSquares(&v[0][0], count, sums + Layout::kLineToLine);
    for (int l = 0; l < 3; ++l) {
      const std::int32_t d = v[l][end] - v[(l + 1) % 3][end];
      last[Layout::kLineToLine + l] = Mul(d, d);
    }
  }
  // The neutral: the phase currents' sum.
  Loops::NeutralSquares(&i[0][0], phases, count, sums[Layout::kNeutral]);
  std::int32_t n = 0;
  for (int p = 0; p < phases; ++p) n += i[p][end];
  last[Layout::kNeutral] = Mul(n, n);
}

/// SumPhaseRunQ31 with the Cortex-M4F loops (quantity_run_q31_arm.cc;
/// defined where dsp::kArmBlockLoads).
void SumPhaseRunQ31Arm(const PhaseRunSetupQ31& setup, const std::int32_t* first_frame, int count, std::int64_t* sums,
                       std::int64_t* last);

}  // namespace meter::detail::quantity_run_q31
