#include "meter/metering/quantity_run_q31.h"

#include <cstdint>

#include "meter/dsp/target.h"

namespace meter::detail {
namespace {

using Layout = PhaseRunLayout;

// acc += x, x widened.
[[gnu::always_inline]] inline void AddSample(std::int64_t& acc, std::int32_t x) {
#if METER_DSP_ARM_BLOCK_LOADS
  // Two instructions: the high word adds x's sign as a shifted operand.
  asm("adds %Q[acc], %Q[acc], %[x]\n\t"
      "adc %R[acc], %R[acc], %[x], asr #31"
      : [acc] "+r"(acc)
      : [x] "r"(x)
      : "cc");
#else
  acc += x;
#endif
}

// acc += (a b) >> 16: Q31Numeric::Mul, a floored Q42 product.
[[gnu::always_inline]] inline void AddProduct(std::int64_t& acc, std::int32_t a, std::int32_t b) {
#if METER_DSP_ARM_BLOCK_LOADS
  // Five instructions where GCC's are six: the shifted high word goes into
  // the add as an operand.
  std::uint32_t low;
  std::int32_t high;
  asm("smull %[low], %[high], %[a], %[b]\n\t"
      "lsr %[low], %[low], #16\n\t"
      "orr %[low], %[low], %[high], lsl #16\n\t"
      "adds %Q[acc], %Q[acc], %[low]\n\t"
      "adc %R[acc], %R[acc], %[high], asr #16"
      : [acc] "+r"(acc), [low] "=&r"(low), [high] "=&r"(high)
      : [a] "r"(a), [b] "r"(b)
      : "cc");
#else
  acc += (static_cast<std::int64_t>(a) * b) >> 16;
#endif
}

std::int64_t Mul(std::int32_t a, std::int32_t b) { return (static_cast<std::int64_t>(a) * b) >> 16; }

// One channel's DC-shifted samples (every sixth word from `x`) into `out`,
// their sum and the sum of their squares.
[[gnu::always_inline]] inline void ShiftChannel(const std::int32_t* x, int count, std::int32_t dc, std::int32_t* out,
                                                std::int64_t& sum, std::int64_t& squares) {
  std::int64_t s = 0, q = 0;
  for (int k = 0; k < count; ++k) {
    const std::int32_t v = x[6 * k] - dc;
    out[k] = v;
    AddSample(s, v);
    AddProduct(q, v, v);
  }
  sum += s;
  squares += q;
}

}  // namespace

void SumPhaseRunQ31(const PhaseRunSetupQ31& setup, const std::int32_t* first_frame, int count, std::int64_t* sums,
                    std::int64_t* last) {
  constexpr int kMax = PhaseRunSetupQ31::kMaxRun;
  std::int32_t v[3][kMax];
  std::int32_t i[3][kMax];
  const int phases = setup.phases;
  const int end = count - 1;
  for (int p = 0; p < phases; ++p) {
    std::int64_t* s = sums + Layout::kPhaseStride * p;
    std::int64_t* l = last + Layout::kPhaseStride * p;
    ShiftChannel(first_frame + p, count, setup.dc_v[p], v[p], s[Layout::kV], s[Layout::kVv]);
    ShiftChannel(first_frame + 3 + p, count, setup.dc_i[p], i[p], s[Layout::kI], s[Layout::kIi]);
    // The compensated current: the Lagrange Dot of four samples around the
    // advance, rounded from Q30 as RoundCoefDot, less the DC shift.
    const std::int32_t* window = first_frame + 6 * (setup.advance[p] - 1) + 3 + p;
    const std::int32_t c0 = setup.taps[p][0], c1 = setup.taps[p][1], c2 = setup.taps[p][2], c3 = setup.taps[p][3];
    const std::int32_t dc = setup.dc_i[p];
    const std::int32_t* vp = v[p];
    std::int64_t sum_ic = 0, sum_vic = 0;
    std::int32_t ic = 0;
    for (int k = 0; k < count; ++k) {
      const std::int32_t* w = window + 6 * k;
      const std::int64_t acc = static_cast<std::int64_t>(c0) * w[0] + static_cast<std::int64_t>(c1) * w[6] +
                               static_cast<std::int64_t>(c2) * w[12] + static_cast<std::int64_t>(c3) * w[18];
      ic = static_cast<std::int32_t>((acc + (std::int64_t{1} << 29)) >> 30) - dc;
      AddSample(sum_ic, ic);
      AddProduct(sum_vic, vp[k], ic);
    }
    s[Layout::kIc] += sum_ic;
    s[Layout::kVic] += sum_vic;
    l[Layout::kV] = v[p][end];
    l[Layout::kI] = i[p][end];
    l[Layout::kIc] = ic;
    l[Layout::kVv] = Mul(v[p][end], v[p][end]);
    l[Layout::kIi] = Mul(i[p][end], i[p][end]);
    l[Layout::kVic] = Mul(v[p][end], ic);
  }
  if (setup.line_to_line == 1) {
    std::int64_t ab = 0;
    for (int k = 0; k < count; ++k) {
      const std::int32_t d = v[0][k] - v[1][k];
      AddProduct(ab, d, d);
    }
    sums[Layout::kLineToLine] += ab;
    const std::int32_t d = v[0][end] - v[1][end];
    last[Layout::kLineToLine] = Mul(d, d);
  } else if (setup.line_to_line == 3) {
    std::int64_t ab = 0, bc = 0, ca = 0;
    for (int k = 0; k < count; ++k) {
      const std::int32_t a = v[0][k], b = v[1][k], c = v[2][k];
      AddProduct(ab, a - b, a - b);
      AddProduct(bc, b - c, b - c);
      AddProduct(ca, c - a, c - a);
    }
    sums[Layout::kLineToLine] += ab;
    sums[Layout::kLineToLine + 1] += bc;
    sums[Layout::kLineToLine + 2] += ca;
    const std::int32_t a = v[0][end], b = v[1][end], c = v[2][end];
    last[Layout::kLineToLine] = Mul(a - b, a - b);
    last[Layout::kLineToLine + 1] = Mul(b - c, b - c);
    last[Layout::kLineToLine + 2] = Mul(c - a, c - a);
  }
  // The neutral: the phase currents' sum (unused phases are zero).
  std::int64_t neutral = 0;
  std::int32_t n = 0;
  if (phases == 3) {
    for (int k = 0; k < count; ++k) {
      n = i[0][k] + i[1][k] + i[2][k];
      AddProduct(neutral, n, n);
    }
  } else if (phases == 2) {
    for (int k = 0; k < count; ++k) {
      n = i[0][k] + i[1][k];
      AddProduct(neutral, n, n);
    }
  } else {
    for (int k = 0; k < count; ++k) {
      n = i[0][k];
      AddProduct(neutral, n, n);
    }
  }
  sums[Layout::kNeutral] += neutral;
  last[Layout::kNeutral] = Mul(n, n);
}

}  // namespace meter::detail
