#pragma once
// Integral of a sampled quantity between two boundaries that fall between
// samples. Whole-sample sums over a near-integer number of cycles leave up
// to ~0.06 % error at 8 kHz; the trapezoid rule with linearly interpolated
// partial intervals at both edges removes that bias (its residual for a
// 50 Hz signal at 8 kHz is below 1e-5 of the integral).
//
// Time is in samples: the integral of a constant 1 over a span of
// 160.37 samples is 160.37.
//
// Q31 scaling and overflow: sums of Q42 products (|f| <= 2^46) over up to
// 4096 samples stay below 2^58; the edge terms multiply differences
// (<= 2^47) by a Q15 fraction, below 2^62. The caller converts the closed
// integral (int64) to float once per cycle.

#include <array>
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "meter/dsp/numeric.h"

namespace meter::dsp {

/// `Numeric` is FloatNumeric or Q31Numeric (see numeric.h): the sums are
/// its Product type, the fraction a float in [0, 1).
template <typename Numeric>
class EdgeIntegrator {
 public:
  using Acc = typename Numeric::Product;

  void Reset() { sum_ = Acc{}; }

  /// Opens the first span exactly at the current sample `f`.
  void Start(Acc f) { sum_ = Numeric::Half(f); }

  /// Re-opens the running span at t = (previous sample) + frac from the two
  /// samples around it, discarding what it held: used when the samples'
  /// shift changes exactly at that boundary.
  void Reopen(Acc f_prev, Acc f_now, float frac) {
    const Acc f_edge = f_prev + Numeric::MulFraction(f_now - f_prev, frac);
    sum_ = Numeric::Half(Numeric::MulFraction(f_edge + f_now, 1.0f - frac)) + Numeric::Half(f_now);
  }

  /// Adds the sample that follows the previous one. Per-sample cost: one
  /// add (the caller keeps the previous sample, which only an edge needs).
  void Add(Acc f) { sum_ += f; }

  /// Closes the running span at t = (previous sample) + frac, frac in [0, 1),
  /// and opens the next span there. `f_prev` is the previous sample (the
  /// last one added); `f_now` is the current sample, which belongs to the
  /// new span and is added by this call.
  /// @returns the integral of the closed span.
  Acc SplitAndAdd(Acc f_prev, Acc f_now, float frac) {
    const Acc f_edge = f_prev + Numeric::MulFraction(f_now - f_prev, frac);
    const Acc closed = sum_ - Numeric::Half(f_prev) + Numeric::Half(Numeric::MulFraction(f_prev + f_edge, frac));
    // The new span starts with the partial interval [edge, now] and counts
    // f_now as a trapezoid end point (half weight) plus its next interval.
    sum_ = Numeric::Half(Numeric::MulFraction(f_edge + f_now, 1.0f - frac)) + Numeric::Half(f_now);
    return closed;
  }

 private:
  Acc sum_{};
};

/// A block form that adds none (AddToEach's default).
struct NoBlockAdd {
  template <typename Integrators, typename Values>
  std::size_t operator()(Integrators&, const Values&) const {
    return 0;
  }
};

/// integrators[k].Add(f[k]) for every k: a meter's per-sample step over all
/// its quantities. `block_add(integrators, f)` may first add a leading part
/// with a hand-written block form (the meter's, for its target:
/// metering/src/integrator_block_add.h, private because it is assembly and
/// intrinsics) and returns how many it added, with the same adds as the
/// loop, so the same results; the loop adds the rest.
template <typename Numeric, std::size_t kCount, typename BlockAdd = NoBlockAdd>
void AddToEach(std::array<EdgeIntegrator<Numeric>, kCount>& integrators,
               const std::array<typename Numeric::Product, kCount>& f, BlockAdd block_add = {}) {
  std::size_t k = block_add(integrators, f);
#pragma GCC unroll 32
  for (; k < kCount; ++k) integrators[k].Add(f[k]);
}

}  // namespace meter::dsp
