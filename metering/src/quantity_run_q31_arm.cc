// The Cortex-M4F form of the Q31 phase run: its loops scheduled by hand,
// in SumRun (quantity_run_q31_loops.h). Compiled on every target; its body
// only where target.h sets kArmBlockLoads. Its twin is
// SumPhaseRunQ31Portable; hand_written_forms_test compares them bit for bit
// on the target.
#include "quantity_run_q31_loops.h"

#include "meter/dsp/target.h"

#if METER_DSP_ARM_BLOCK_LOADS

#include <cstdint>

namespace meter::detail::quantity_run_q31 {
namespace {

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

struct ArmLoops {
  static void Shift(const std::int32_t* x, int count, std::int32_t dc, std::int32_t* out, std::int64_t& sum,
                    std::int64_t& squares) {
    ShiftChannelArm(x, count, dc, out, sum, squares);
  }
  // The compensated current's sum and its products with v in one pass (ic
  // is not stored); returns its last sample.
  static std::int32_t CompensateAndMultiply(const std::int32_t* window, int count, const std::int32_t* taps,
                                            std::int32_t dc, const std::int32_t* v, std::int32_t* /*ic*/,
                                            std::int64_t& sum_ic, std::int64_t& sum_vic) {
    return CompensateAndMultiplyArm(window, count, taps, dc, v, sum_ic, sum_vic);
  }
  static void LineSquares(const std::int32_t* v, int count, std::int64_t* sums) { AddLineSquaresArm(v, count, sums); }
  static void NeutralSquares(const std::int32_t* i, int phases, int count, std::int64_t& sum) {
    if (phases == 3) {
      AddNeutralSquaresArm(i, count, sum);
    } else {
      AddNeutralSquares(i, phases, count, sum);
    }
  }
};

}  // namespace

void SumPhaseRunQ31Arm(const PhaseRunSetupQ31& setup, const std::int32_t* first_frame, int count, std::int64_t* sums,
                       std::int64_t* last) {
  SumRun<ArmLoops>(setup, first_frame, count, sums, last);
}

}  // namespace meter::detail::quantity_run_q31

#endif  // METER_DSP_ARM_BLOCK_LOADS
