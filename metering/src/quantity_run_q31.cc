#include "meter/metering/quantity_run_q31.h"

#include <cstdint>

#include "meter/dsp/numeric.h"
#include "meter/dsp/target.h"

namespace meter::detail {
namespace {

using Layout = PhaseRunLayout;

using dsp::Q31Numeric;
constexpr auto Mul = Q31Numeric::Mul;  // the per-sample loop's product

// The four loops a phase takes and the line loops, each over `count`
// samples. Frames are six words apart; buffers hold a word a sample.

// One channel (every sixth word from x) less its DC shift into out; the
// sum and the sum of squares.
void ShiftChannel(const std::int32_t* x, int count, std::int32_t dc, std::int32_t* out, std::int64_t& sum,
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
void CompensateCurrent(const std::int32_t* window, int count, const std::int32_t* taps, std::int32_t dc,
                       std::int32_t* out, std::int64_t& sum) {
  for (int k = 0; k < count; ++k) {
    const std::int32_t* w = window + 6 * k;
    const std::int64_t acc = static_cast<std::int64_t>(taps[0]) * w[0] + static_cast<std::int64_t>(taps[1]) * w[6] +
                             static_cast<std::int64_t>(taps[2]) * w[12] + static_cast<std::int64_t>(taps[3]) * w[18];
    out[k] = static_cast<std::int32_t>((acc + (std::int64_t{1} << 29)) >> 30) - dc;
    sum += out[k];
  }
}

void AddProducts(const std::int32_t* a, const std::int32_t* b, int count, std::int64_t& sum) {
  for (int k = 0; k < count; ++k) sum += Mul(a[k], b[k]);
}

// Three phases' voltages (rows of kMaxRun): the squares of ab, bc, ca.
void AddLineSquares(const std::int32_t* v, int count, std::int64_t* sums) {
  constexpr int kRow = PhaseRunSetupQ31::kMaxRun;
  for (int k = 0; k < count; ++k) {
    const std::int32_t a = v[k], b = v[kRow + k], c = v[2 * kRow + k];
    sums[0] += Mul(a - b, a - b);
    sums[1] += Mul(b - c, b - c);
    sums[2] += Mul(c - a, c - a);
  }
}

// The square of the phases' currents' sum (rows of kMaxRun).
void AddNeutralSquares(const std::int32_t* i, int phases, int count, std::int64_t& sum) {
  constexpr int kRow = PhaseRunSetupQ31::kMaxRun;
  for (int k = 0; k < count; ++k) {
    std::int32_t n = i[k];
    for (int p = 1; p < phases; ++p) n += i[p * kRow + k];
    sum += Mul(n, n);
  }
}

#if METER_DSP_ARM_BLOCK_LOADS
// clang-format off
// The same loops on the Cortex-M4F, scheduled by hand: every sum stays in a
// register pair, each product's Q42 floor is added as a shifted operand
// (SMULL, then the low word's top half or-ed with the high word's bottom,
// ADDS, and the high word's top half with ADC: five instructions where
// GCC's are six), and no register is moved. The same operations, so the
// same bits; hand_written_forms_test checks each against its portable twin on the target.

// SUM += (X X) >> 16 (LOW may be X: SMULL may overwrite its operand).
#define METER_ADD_PRODUCT_Q42(X, LOW, HIGH, SUM) \
  "smull %[" LOW "], %[" HIGH "], %[" X "], %[" X "]\n\t"          \
  "lsr %[" LOW "], %[" LOW "], #16\n\t"                             \
  "orr %[" LOW "], %[" LOW "], %[" HIGH "], lsl #16\n\t"           \
  "adds %Q[" SUM "], %Q[" SUM "], %[" LOW "]\n\t"                  \
  "adc %R[" SUM "], %R[" SUM "], %[" HIGH "], asr #16\n\t"

void ShiftChannelArm(const std::int32_t* x, int count, std::int32_t dc, std::int32_t* out, std::int64_t& sum_out,
                     std::int64_t& squares_out) {
  std::int64_t sum = 0, squares = 0;
  std::int32_t v, low, high;
  const std::int32_t one = 1;  // sum += v as one 64-bit multiply-accumulate (SMLAL v x 1)
  asm volatile(
      METER_DSP_ARM_LOOP_FOUR_AT_A_TIME(
      "ldr %[v], [%[x]], #24\n\t"
      "sub %[v], %[v], %[dc]\n\t"
      "str %[v], [%[out]], #4\n\t"
      "smlal %Q[sum], %R[sum], %[v], %[one]\n\t" METER_ADD_PRODUCT_Q42("v", "low", "high", "squares"))
      : [x] "+r"(x), [out] "+r"(out), [count] "+r"(count), [sum] "+r"(sum), [squares] "+r"(squares), [v] "=&r"(v),
        [low] "=&r"(low), [high] "=&r"(high)
      : [dc] "r"(dc), [one] "r"(one)
      : "cc", "memory");
  sum_out += sum;
  squares_out += squares;
}

// CompensateCurrent and AddProducts(v, ic) in one loop (no buffer between
// them): the rounding bias, less the DC shift times 2^30, starts each Dot,
// so its top bits are the shifted current; taps c2 and c3 come from the
// stack each sample, which keeps the loop within thirteen registers.
// Returns the last sample's compensated current.
std::int32_t CompensateAndMultiplyArm(const std::int32_t* window, int count, const std::int32_t* taps, std::int32_t dc,
                                      const std::int32_t* v, std::int64_t& sum_ic_out, std::int64_t& sum_vic_out) {
  std::int64_t sum_ic = 0, sum_vic = 0;
  const std::int64_t bias = (std::int64_t{1} << 29) - (std::int64_t{dc} << 30);
  const std::int32_t c0 = taps[0], c1 = taps[1], c2 = taps[2], c3 = taps[3];
  std::int32_t w, t, low, high;
  asm volatile(
      METER_DSP_ARM_LOOP_FOUR_AT_A_TIME(
      "ldrd %[low], %[high], %[bias]\n\t"
      "ldr %[w], [%[window]], #24\n\t"  // the window's first sample; the others are then 0, 24, 48 bytes on
      "smlal %[low], %[high], %[c0], %[w]\n\t"
      "ldr %[w], [%[window]]\n\t"
      "smlal %[low], %[high], %[c1], %[w]\n\t"
      "ldr %[w], [%[window], #24]\n\t"
      "ldr %[t], %[c2]\n\t"
      "smlal %[low], %[high], %[t], %[w]\n\t"
      "ldr %[w], [%[window], #48]\n\t"
      "ldr %[t], %[c3]\n\t"
      "smlal %[low], %[high], %[t], %[w]\n\t"
      "lsr %[low], %[low], #30\n\t"  // the compensated current, DC-shifted
      "orr %[low], %[low], %[high], lsl #2\n\t"
      "smlal %Q[sum_ic], %R[sum_ic], %[low], %[one]\n\t"
      "ldr %[w], [%[v]], #4\n\t"
      "smull %[w], %[high], %[w], %[low]\n\t"
      "lsr %[w], %[w], #16\n\t"
      "orr %[w], %[w], %[high], lsl #16\n\t"
      "adds %Q[sum_vic], %Q[sum_vic], %[w]\n\t"
      "adc %R[sum_vic], %R[sum_vic], %[high], asr #16\n\t")
      : [window] "+r"(window), [v] "+r"(v), [count] "+r"(count), [sum_ic] "+r"(sum_ic), [sum_vic] "+r"(sum_vic),
        [w] "=&r"(w), [t] "=&r"(t), [low] "=&r"(low), [high] "=&r"(high)
      : [c0] "r"(c0), [c1] "r"(c1), [c2] "m"(c2), [c3] "m"(c3), [bias] "m"(bias), [one] "r"(1)
      : "cc", "memory");
  sum_ic_out += sum_ic;
  sum_vic_out += sum_vic;
  return low;
}

void AddLineSquaresArm(const std::int32_t* v, int count, std::int64_t* sums) {
  static_assert(PhaseRunSetupQ31::kMaxRun == 32, "the loop reads the rows 128 bytes apart");
  std::int64_t ab = 0, bc = 0, ca = 0;
  std::int32_t a, b, c, d, high;
  asm volatile(
      METER_DSP_ARM_LOOP_FOUR_AT_A_TIME(
      "ldr %[b], [%[v], #128]\n\t"
      "ldr %[c], [%[v], #256]\n\t"
      "ldr %[a], [%[v]], #4\n\t"
      "sub %[d], %[a], %[b]\n\t"
      METER_ADD_PRODUCT_Q42("d", "d", "high", "ab")
      "sub %[d], %[b], %[c]\n\t"
      METER_ADD_PRODUCT_Q42("d", "d", "high", "bc")
      "sub %[d], %[c], %[a]\n\t"
      METER_ADD_PRODUCT_Q42("d", "d", "high", "ca"))
      : [v] "+r"(v), [count] "+r"(count), [ab] "+r"(ab), [bc] "+r"(bc), [ca] "+r"(ca), [a] "=&r"(a), [b] "=&r"(b),
        [c] "=&r"(c), [d] "=&r"(d), [high] "=&r"(high)
      :
      : "cc", "memory");
  sums[0] += ab;
  sums[1] += bc;
  sums[2] += ca;
}

void AddNeutralSquaresArm(const std::int32_t* i, int count, std::int64_t& sum_out) {
  std::int64_t sum = 0;
  std::int32_t a, b, c, high;
  asm volatile(
      METER_DSP_ARM_LOOP_FOUR_AT_A_TIME(
      "ldr %[b], [%[i], #128]\n\t"
      "ldr %[c], [%[i], #256]\n\t"
      "ldr %[a], [%[i]], #4\n\t"
      "add %[a], %[a], %[b]\n\t"
      "add %[a], %[a], %[c]\n\t"
      METER_ADD_PRODUCT_Q42("a", "a", "high", "sum"))
      : [i] "+r"(i), [count] "+r"(count), [sum] "+r"(sum), [a] "=&r"(a), [b] "=&r"(b), [c] "=&r"(c),
        [high] "=&r"(high)
      :
      : "cc", "memory");
  sum_out += sum;
}

#undef METER_ADD_PRODUCT_Q42
// clang-format on
#endif

// The whole run with the loops above: kArm picks the Cortex-M4F loops.
template <bool kArm>
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
#if METER_DSP_ARM_BLOCK_LOADS
    // clang-format off
    if constexpr (kArm) {
      ShiftChannelArm(first_frame + p, count, setup.dc_v[p], v[p], s[Layout::kV], s[Layout::kVv]);
      ShiftChannelArm(first_frame + 3 + p, count, setup.dc_i[p], i[p], s[Layout::kI], s[Layout::kIi]);
      ic[end] = CompensateAndMultiplyArm(window, count, setup.taps[p], setup.dc_i[p], v[p], s[Layout::kIc],
                                         s[Layout::kVic]);
    } else
// clang-format on
#endif
    {
      ShiftChannel(first_frame + p, count, setup.dc_v[p], v[p], s[Layout::kV], s[Layout::kVv]);
      ShiftChannel(first_frame + 3 + p, count, setup.dc_i[p], i[p], s[Layout::kI], s[Layout::kIi]);
      CompensateCurrent(window, count, setup.taps[p], setup.dc_i[p], ic, s[Layout::kIc]);
      AddProducts(v[p], ic, count, s[Layout::kVic]);
    }
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
#if METER_DSP_ARM_BLOCK_LOADS
    // clang-format off
    if constexpr (kArm) {
      AddLineSquaresArm(&v[0][0], count, sums + Layout::kLineToLine);
    } else
// clang-format on
#endif
    {
      AddLineSquares(&v[0][0], count, sums + Layout::kLineToLine);
    }
    for (int l = 0; l < 3; ++l) {
      const std::int32_t d = v[l][end] - v[(l + 1) % 3][end];
      last[Layout::kLineToLine + l] = Mul(d, d);
    }
  }
  // The neutral: the phase currents' sum.
#if METER_DSP_ARM_BLOCK_LOADS
  // clang-format off
  if (kArm && phases == 3) {
    AddNeutralSquaresArm(&i[0][0], count, sums[Layout::kNeutral]);
  } else
// clang-format on
#endif
  {
    AddNeutralSquares(&i[0][0], phases, count, sums[Layout::kNeutral]);
  }
  std::int32_t n = 0;
  for (int p = 0; p < phases; ++p) n += i[p][end];
  last[Layout::kNeutral] = Mul(n, n);
}

}  // namespace

void SumPhaseRunQ31(const PhaseRunSetupQ31& setup, const std::int32_t* first_frame, int count, std::int64_t* sums,
                    std::int64_t* last) {
  SumRun<METER_DSP_ARM_BLOCK_LOADS != 0>(setup, first_frame, count, sums, last);
}

void SumPhaseRunQ31Portable(const PhaseRunSetupQ31& setup, const std::int32_t* first_frame, int count,
                            std::int64_t* sums, std::int64_t* last) {
  SumRun<false>(setup, first_frame, count, sums, last);
}

}  // namespace meter::detail
