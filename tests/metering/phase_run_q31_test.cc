// The Q31 meter's phase-at-a-time run loop (every target without the x86
// vector loop: the firmware's) against the per-sample arithmetic it
// replaces, written here from Q31Numeric's operations: every sum and every
// last-sample value equal to the bit. (The meter-level comparison,
// MeterQ31.RunLoopsEqualThePerSampleLoopToTheBit, cannot see a one-unit
// difference in a sum: the window's figures are floats.)
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <random>
#include <vector>

#include "meter/dsp/numeric.h"
#include "meter/metering/quantity_run_q31.h"
#include "support/q31_run_samples.h"

namespace meter::detail {
namespace {

using N = dsp::Q31Numeric;
using L = PhaseRunLayout;

struct Quantities {
  std::array<std::int64_t, L::kCount> sum{};
  std::array<std::int64_t, L::kCount> last{};
};

// What a run of `count` samples must sum to, sample by sample, as the
// meter's ComputeQuantities computes each sample (saturating operations).
Quantities Reference(const PhaseRunSetupQ31& s, const std::int32_t* first, int count) {
  Quantities r;
  for (int k = 0; k < count; ++k) {
    const std::int32_t* frame = first + 6 * k;
    std::array<std::int64_t, L::kCount> q{};
    std::array<std::int32_t, 3> v{}, i{}, ic{};
    for (int p = 0; p < s.phases; ++p) {
      v[p] = N::Sub(frame[p], s.dc_v[p]);
      i[p] = N::Sub(frame[3 + p], s.dc_i[p]);
      const std::int32_t* w = frame + 6 * (s.advance[p] - 1) + 3 + p;
      const std::int32_t shifted = N::Dot(s.taps[p], 4, [&](int t) { return w[6 * t]; });
      ic[p] = N::Sub(shifted, s.dc_i[p]);
      std::int64_t* qp = &q[static_cast<std::size_t>(L::kPhaseStride * p)];
      qp[L::kV] = v[p];
      qp[L::kI] = i[p];
      qp[L::kIc] = ic[p];
      qp[L::kVv] = N::Mul(v[p], v[p]);
      qp[L::kIi] = N::Mul(i[p], i[p]);
      qp[L::kVic] = N::Mul(v[p], ic[p]);
    }
    if (s.line_to_line == 1) {
      const std::int32_t d = N::Sub(v[0], v[1]);
      q[L::kLineToLine] = N::Mul(d, d);
    } else if (s.line_to_line == 3) {
      for (int l = 0; l < 3; ++l) {
        const std::int32_t d = N::Sub(v[l], v[(l + 1) % 3]);
        q[static_cast<std::size_t>(L::kLineToLine + l)] = N::Mul(d, d);
      }
    }
    const std::int32_t n = N::Add3(i[0], i[1], i[2]);
    q[L::kNeutral] = N::Mul(n, n);
    for (std::size_t j = 0; j < q.size(); ++j) {
      r.sum[j] += q[j];
      r.last[j] = q[j];
    }
  }
  return r;
}

// Runs of every length up to the meter's longest, one to three phases,
// with no, one and three line-to-line quantities, compensation windows
// before, around and after the sample (advances -3 .. 3, each phase its
// own), samples near the bounds the meter checks before it takes the loop
// (voltages' differences and the neutral's sum within range).
TEST(PhaseRunQ31, SumsEqualThePerSampleArithmeticToTheBit) {
  std::mt19937 rng(20261204);
  test::Q31RunSamples samples;
  std::uniform_int_distribution<int> advance(-3, 3);
  constexpr int kMargin = 8;                 // frames before and after the run
  const int line_to_line_of[3] = {0, 1, 3};  // by phases - 1: 1P2W, 2P3W, three-phase
  int checked = 0;
  for (int round = 0; round < 600; ++round) {
    const int count = 1 + round % PhaseRunSetupQ31::kMaxRun;
    PhaseRunSetupQ31 s;
    s.phases = 1 + (round / 7) % 3;
    s.line_to_line = line_to_line_of[s.phases - 1];
    std::vector<std::int32_t> frames(static_cast<std::size_t>(6 * (count + 2 * kMargin)));
    for (std::size_t k = 0; k < frames.size(); ++k)
      frames[k] = (k % 6) < 3 ? samples.voltage(rng) : samples.current(rng);
    if (round % 5 == 0) {  // the largest products and sums
      for (std::size_t k = 0; k < frames.size(); ++k) {
        frames[k] = (k % 6) < 3 ? ((k / 6) % 2 ? samples.voltage.max() : samples.voltage.min())
                                : ((k / 7) % 2 ? samples.current.max() : samples.current.min());
      }
    }
    int lowest = 0, highest = 0;
    for (int p = 0; p < 3; ++p) {
      s.dc_v[p] = samples.dc(rng);
      s.dc_i[p] = samples.dc(rng);
      s.advance[p] = advance(rng);
      std::int32_t sum = 0;  // four taps summing to one (Q30)
      for (int t = 0; t < 3; ++t) sum += s.taps[p][t] = samples.tap(rng);
      s.taps[p][3] = (std::int32_t{1} << 30) - sum;
      if (p < s.phases) {
        lowest = std::min(lowest, s.advance[p] - 1);
        highest = std::max(highest, s.advance[p] + 2);
      }
    }
    s.reach_first = lowest;
    s.reach_last = highest;
    const std::int32_t* first = frames.data() + 6 * kMargin;
    Quantities got;
    got.sum[0] = 12345;  // the loop adds to what the sums hold
    SumPhaseRunQ31(s, first, count, got.sum.data(), got.last.data());
    got.sum[0] -= 12345;
    const Quantities want = Reference(s, first, count);
    for (std::size_t j = 0; j < want.sum.size(); ++j) {
      const bool used = (j < static_cast<std::size_t>(L::kPhaseStride * s.phases)) ||
                        (j >= L::kLineToLine && j < static_cast<std::size_t>(L::kLineToLine + s.line_to_line)) ||
                        j == L::kNeutral;
      if (!used) {
        EXPECT_EQ(got.sum[j], 0) << "slot " << j << " is not the wiring's";
        continue;
      }
      ASSERT_EQ(got.sum[j], want.sum[j]) << "sum " << j << " round " << round << " phases " << s.phases;
      ASSERT_EQ(got.last[j], want.last[j]) << "last " << j << " round " << round << " phases " << s.phases;
      ++checked;
    }
  }
  EXPECT_GT(checked, 600 * 8);
}

}  // namespace
}  // namespace meter::detail
