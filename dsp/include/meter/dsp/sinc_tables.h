#pragma once
// The resampler's tables, which depend on no configuration: the
// Kaiser-windowed sinc kernel (kernel_points per zero crossing) and the
// continuous response of that kernel as evaluated (table samples joined
// linearly), over r = frequency / cutoff in [0, 1]. They are constants in
// flash (sinc_tables.inc, written by the host tool make-sinc-tables from
// the Compute functions below; a test checks they still agree bit for bit),
// which keeps 3 KiB out of a firmware's RAM and the double-precision trig
// out of its start-up.

#include <array>
#include <cstdint>

namespace meter::dsp {

inline constexpr int kSincZeroCrossings = 8;     ///< Kernel half-width, in sinc zero crossings.
inline constexpr int kSincPointsPerZero = 64;    ///< Table resolution.
inline constexpr int kSincResponsePoints = 256;  ///< Response table over r in [0, 1].

// The kernel's support (kSincZeroCrossings) plus one zero crossing of zeros:
// a tap walk (at most ceil(Z / 2fc) taps a side, 2fc <= 1) then never reads
// past the table, so no tap needs a bounds test.
using SincKernelTable = std::array<float, (kSincZeroCrossings + 1) * kSincPointsPerZero + 2>;
using SincResponseTable = std::array<float, kSincResponsePoints + 1>;

// The float kernel as (value_i, value_{i+1} - value_i) pairs, the step
// rounded to float as the resampler would compute it: the tap at table
// position i + f is value_i + f * step_i, one load of the pair and one
// multiply-add, equal to the bit to the join of kSincKernelTable.
using SincKernelPairs = std::array<float, 2 * ((kSincZeroCrossings + 1) * kSincPointsPerZero + 1)>;

// The same kernel in Q30 for integer resampling (Q31Numeric, so a core
// without an FPU never needs float per tap): entry i is the pair (value_i,
// 2 (value_{i+1} - value_i)) with value_i = round(kSincKernelTable[i] 2^30).
// The kernel at table position i + f / 2^15 (f in [0, 2^15)) is then
// value_i + floor(pair step * f / 2^16): the same linear join as the float
// table, one multiply-accumulate (SMLAWB on an ARMv7E-M).
inline constexpr int kSincPairFractionBits = 15;
using SincKernelPairsQ30 = std::array<std::int32_t, 2 * ((kSincZeroCrossings + 1) * kSincPointsPerZero + 1)>;

extern const SincKernelTable kSincKernelTable;
extern const SincResponseTable kSincResponseTable;
extern const SincKernelPairs kSincKernelPairs;
extern const SincKernelPairsQ30 kSincKernelPairsQ30;

/// The definitions, in double precision (host tools and tests only).
SincKernelTable ComputeSincKernelTable();
SincResponseTable ComputeSincResponseTable(const SincKernelTable& kernel);
SincKernelPairs ComputeSincKernelPairs(const SincKernelTable& kernel);
SincKernelPairsQ30 ComputeSincKernelPairsQ30(const SincKernelTable& kernel);

}  // namespace meter::dsp
