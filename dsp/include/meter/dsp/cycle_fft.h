#pragma once
// The two 128-point transforms of the harmonic analysis, per numeric policy:
// a real one (the window's sum of cycles) and a complex one (its fold). Float uses
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
#include "meter/dsp/target.h"
#include "meter/status.h"

namespace meter::dsp {

inline constexpr int kPointsPerCycle = 128;  ///< P: resampled points per fundamental cycle.

template <typename Numeric>
class CycleFft {
 public:
  using Sample = typename Numeric::Sample;
  using Coef = typename Numeric::Coef;
  /// @returns kResourceExhausted if the plans do not fit the arena.
  Status Init();
  /// Real transform of x[0..P), whose float value is Numeric::ToFloat(x)
  /// times `scale`. Bin(k), k in 0..P/2, then reads the result. x is
  /// overwritten (the int32 transform normalises it in place: block
  /// floating point).
  void Real(Sample* x, float scale);
  /// Complex transform of z[m] * (shift_re[m] + j shift_im[m]), where z is
  /// P interleaved (re, im) values in units of `unit` (a Numeric::ToFloat
  /// value per unit; Q31 folds are stored scaled down). z is overwritten;
  /// Bin(k) then reads the result.
  void ShiftedComplexInPlace(Sample* z, const Coef* shift_re, const Coef* shift_im, float unit);
  /// Bin k of the last transform, a DFT sum in float.
  ComplexF Bin(int k) const;

 private:
  // KissFFT 131 needs 1568 + 1288 bytes for the 128-point real and complex
  // plans (the real one rounded up to 16), on a 32- or a 64-bit build, with
  // float or int32 scalars; Init checks it.
  static constexpr std::size_t kArenaBytes = 1568 + 1288;
  alignas(16) unsigned char arena_[kArenaBytes];
  void* real_plan_ = nullptr;
  void* complex_plan_ = nullptr;
  // Output in the transform's own element type (8 bytes a complex value).
  std::array<std::uint64_t, kPointsPerCycle> out_{};
  float out_scale_ = 1.0f;  // float value of one output unit
};

/// Float, x86-64 hosts (declared on every target; defined in
/// cycle_fft_batch.cc, built and used only where dsp::kX86FftBatch): CycleFft<FloatNumeric>'s two transforms for up to
/// four channels at once, one per lane of KissFFT's own SSE build (the same
/// source and arithmetic, kiss_fft_scalar = __m128), so a window's six
/// channels cost two transforms of each kind instead of six. Each lane's
/// bins equal CycleFft<FloatNumeric>'s for that channel to float rounding
/// (Debian builds its library with -ffast-math; a KissFFT float build from
/// the same source gives the same bits), and a lane's bits do not depend on
/// the other lanes; the host tests check both.
class CycleFftBatch {
 public:
  static constexpr int kLanes = 4;
  /// @returns kResourceExhausted if the plans do not fit the arena.
  Status Init();
  /// Real transforms of x[lane][0..P), lane < count (<= kLanes), each as
  /// CycleFft::Real with scale[lane]; x is not modified.
  void Real(const float* const* x, int count, const float* scale);
  /// Complex transforms of z[lane][m] * (shift_re[m] + j shift_im[m]), as
  /// CycleFft::ShiftedComplexInPlace with unit[lane]; z is not modified.
  void ShiftedComplex(const float* const* z, int count, const float* shift_re, const float* shift_im,
                      const float* unit);
  /// Bin k of lane `lane`'s last transform, a DFT sum in float.
  ComplexF Bin(int lane, int k) const {
    const auto at = static_cast<std::size_t>(2 * kLanes * k + lane);
    const float s = out_scale_[static_cast<std::size_t>(lane)];
    return {out_[at] * s, out_[at + kLanes] * s};
  }

 private:
  // KissFFT 131's four-lane plans for 128 points need 5424 + 4368 bytes
  // (16 bytes a scalar: four times the float plans' twiddles); Init checks.
  static constexpr std::size_t kArenaBytes = 5424 + 4368;
  alignas(16) unsigned char arena_[kArenaBytes];
  void* real_plan_ = nullptr;
  void* complex_plan_ = nullptr;
  // Per point, four real parts then four imaginary parts (KissFFT's
  // kiss_fft_cpx of two __m128); the real transform's input is one __m128 a
  // point.
  alignas(16) std::array<float, 2 * kLanes * kPointsPerCycle> in_{};
  alignas(16) std::array<float, 2 * kLanes * kPointsPerCycle> out_{};
  std::array<float, kLanes> out_scale_{};
};

/// A bound on |x[m]|, m in 0..n (at least the largest magnitude, below
/// twice it); 0 when every value is 0. For block floating point.
std::uint32_t MagnitudeBound(const std::int32_t* x, int n);

namespace detail {
/// bound | |x[m]| for m in from..n: MagnitudeBound's loop (an OR of
/// magnitudes: at least the largest, below twice it), and the tail of its
/// hand-written forms.
inline std::uint32_t OrMagnitudes(const std::int32_t* x, int from, int n, std::uint32_t bound) {
  for (int m = from; m < n; ++m) {
    bound |=
        x[m] < 0 ? static_cast<std::uint32_t>(-(static_cast<std::int64_t>(x[m]))) : static_cast<std::uint32_t>(x[m]);
  }
  return bound;
}
/// MagnitudeBound's hand-written forms, each whole (its step's multiple,
/// then OrMagnitudes for the rest). Defined where target.h's switch is on:
/// the Cortex-M4F form (four values a block load) in cycle_fft_arm.cc
/// (kArmBlockLoads), the AVX2 one in cycle_fft_x86.cc (kX86Avx2, for a CPU
/// with AVX2).
std::uint32_t MagnitudeBoundArm(const std::int32_t* x, int n);
std::uint32_t MagnitudeBoundAvx2(const std::int32_t* x, int n);
}  // namespace detail

}  // namespace meter::dsp
