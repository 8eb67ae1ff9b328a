#pragma once
// The two 128-point transforms a cycle needs, per numeric policy. Float uses
// Debian's KissFFT (float); Q31 uses KissFFT's int32_t build, compiled from
// the upstream source with its own symbol names so both live in one binary.
// Plans live in a static arena inside the object: no heap.
//
// Output convention (both policies): DFT sums of the input's float value
// (Numeric::ToFloat), as float complex numbers. The int32 transforms scale
// by 1/N internally (one halving per radix-2 stage, so nothing overflows);
// each cycle is first normalised to [2^29, 2^30) (block floating point) and
// the shift undone on conversion, so a cycle at 1e-4 of full scale keeps the
// same relative precision (about 1e-6) as one at full scale.

#include <array>
#include <cstddef>
#include <cstdint>

#include "meter/dsp/complex.h"
#include "meter/dsp/numeric.h"
#include "meter/dsp/status.h"

namespace meter::dsp {

inline constexpr int kPointsPerCycle = 128;  ///< P: resampled points per fundamental cycle.

template <typename Numeric>
class CycleFft {
 public:
  using Sample = typename Numeric::Sample;
  /// @returns kResourceExhausted if the plans do not fit the arena.
  Status Init();
  /// Real transform of x[0..P): out[0..P/2].
  void Real(const Sample* x, ComplexF* out);
  using Coef = typename Numeric::Coef;
  /// Transform of x[m] * (shift_re[m] + j shift_im[m]) (unit-magnitude
  /// rotations in the coefficient type): out[0..P).
  void ShiftedComplex(const Sample* x, const Coef* shift_re, const Coef* shift_im, ComplexF* out);

 private:
  // KissFFT 131 needs 1568 + 1288 bytes for the 128-point real and complex
  // plans on a 64-bit host (less on 32-bit); Init checks it.
  static constexpr std::size_t kArenaBytes = 3072;
  alignas(16) unsigned char arena_[kArenaBytes];
  void* real_plan_ = nullptr;
  void* complex_plan_ = nullptr;
  // Scratch in the transform's own element type (8 bytes a complex value).
  std::array<std::uint64_t, kPointsPerCycle> in_{};
  std::array<std::uint64_t, kPointsPerCycle> out_{};
};

}  // namespace meter::dsp
