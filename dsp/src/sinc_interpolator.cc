#include "meter/dsp/sinc_interpolator.h"

#include "meter/dsp/sinc_tables.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>

#if METER_DSP_X86_AVX2
#include <immintrin.h>
#endif

namespace meter::dsp {
Status SincInterpolator::Init(float cutoff_cycles_per_sample) {
  if (!(cutoff_cycles_per_sample > 0.0f) || cutoff_cycles_per_sample > 0.5f) {
    return Status::kInvalidArgument;
  }
  // Whole table steps per sample, rounded down (never a higher cutoff than
  // asked for); init-time double arithmetic.
  steps_per_sample_ =
      std::max(1, static_cast<int>(std::floor(2.0 * static_cast<double>(cutoff_cycles_per_sample) * kPointsPerZero)));
  two_fc_ =
      static_cast<float>(steps_per_sample_) / static_cast<float>(kPointsPerZero);  // exact: a power-of-two divisor
  const int half = static_cast<int>(std::ceil(kZeroCrossings / two_fc_));
  if (2 * half > kMaxTaps) return Status::kOutOfRange;
  half_span_ = half;
  scale_q15_ = steps_per_sample_ << kSincPairFractionBits;
  two_fc_q31_ = static_cast<std::int32_t>(
      std::min(static_cast<std::int64_t>(steps_per_sample_) << (31 - 6), static_cast<std::int64_t>(INT32_MAX)));
  static_assert(kPointsPerZero == 64, "two_fc_q31_ shifts by 31 - log2(kPointsPerZero)");
  // Each Q29 tap is at most its kernel pair's larger value (plus the join's
  // and the product's roundings) times 2 fc. A point's left walk starts at
  // an entry e in [0, S) and its right walk at S - 1 - e (or at S - e with
  // fraction 0, the larger value of the same pair); both then step S.
  {
    constexpr auto kPairs = static_cast<int>(kSincKernelPairsQ30.size() / 2);
    const auto value = [](int e) -> std::int64_t {
      return e < kPairs ? std::abs(std::int64_t{kSincKernelPairsQ30[2 * static_cast<std::size_t>(e)]}) : 0;
    };
    const auto side = [&](int start) {
      std::int64_t sum = 0;
      for (int k = 0; k < half_span_; ++k) {
        const int e = start + k * steps_per_sample_;
        sum += (((std::max(value(e), value(e + 1)) + 1) * two_fc_q31_) >> 32) + 2;
      }
      return sum;
    };
    tap_abs_sum_bound_q29_ = 0;
    for (int start = 0; start < steps_per_sample_; ++start) {
      tap_abs_sum_bound_q29_ = std::max(tap_abs_sum_bound_q29_, side(start) + side(steps_per_sample_ - 1 - start));
    }
  }
#if METER_DSP_X86_AVX2
  x86_avx2_fma_ = X86HasAvx2Fma();
  transposed_lanes_ = (half_span_ + 7) / 8 * 8;
  static_assert(kPointsPerZero * kZeroCrossings + 8 * kPointsPerZero <= kTransposedPairs,
                "the regrouped table holds every walk");
  // Walk e's row: the values of entries e, e + S, ... then their steps,
  // zero past the kernel's taps. The float walks start below S, the
  // integer ones at S too.
  const auto regroup = [this](const auto& pairs, int walks, auto* out) {
    const auto lanes = static_cast<std::size_t>(transposed_lanes_);
    for (int e = 0; e < walks; ++e) {
      auto* values = out + 2 * static_cast<std::size_t>(e) * lanes;
      for (std::size_t k = 0; k < lanes; ++k) {
        const auto entry = static_cast<std::size_t>(e) + k * static_cast<std::size_t>(steps_per_sample_);
        const bool tap = k < static_cast<std::size_t>(half_span_);
        values[k] = tap ? pairs[2 * entry] : 0;
        values[lanes + k] = tap ? pairs[2 * entry + 1] : 0;
      }
    }
  };
  regroup(kSincKernelPairs, steps_per_sample_, transposed_);
  regroup(kSincKernelPairsQ30, steps_per_sample_ + 1, transposed_q30_);
#endif
  return Status::kOk;
}

const char* SincInterpolator::float_frame_loop() const {
#if METER_DSP_ARM_BLOCK_LOADS
  // clang-format off
  return "arm-block-loads";
// clang-format on
#else
  return "portable";
#endif
}

#if METER_DSP_X86_AVX2
namespace {

// Where grid point j lies: u in [0, 1) past its sample, and the first
// sample of its window (`side` samples either way) in the chunk. The
// position is multiplied and added apart, as the frame-major loop computes
// it (a fused multiply-add would round once), so both loops take the same
// walk. False when the window leaves the chunk.
template <typename Sample>
__attribute__((target("avx2,fma"), always_inline)) inline bool LocatePoint(
    const SincInterpolator::ChannelMajorChunk<Sample>& chunk, const SincInterpolator::PointGrid& grid, int j,
    std::size_t side, float& u, const Sample*& window) {
  const float rel = _mm_cvtss_f32(
      _mm_add_ss(_mm_set_ss(grid.start_frac), _mm_mul_ss(_mm_set_ss(static_cast<float>(j)), _mm_set_ss(grid.step))));
  const int whole = static_cast<int>(rel);  // rel >= 0: the conversion floors
  const std::int64_t first = grid.origin + whole - static_cast<std::int64_t>(side) + 1;
  if (first + static_cast<std::int64_t>(2 * side) > chunk.length) return false;
  u = rel - static_cast<float>(whole);
  window = chunk.samples + first;
  return true;
}

// CoefQ29 on eight lanes: kernel = value + ((step * fraction) >> 16), then
// (kernel * 2fc + 2^31) >> 32. A 32 x 32 -> 64-bit multiply takes the even
// lanes; the odd ones are shifted down to take it too. Only the low word of
// (step * fraction) >> 16 is kept, as in CoefQ29, so a logical shift serves.
// `walk` holds the eight values, `walk + lanes` their steps.
__attribute__((target("avx2,fma"), always_inline)) inline __m256i EightCoefsQ29(const std::int32_t* walk,
                                                                                std::size_t lanes,
                                                                                std::int32_t fraction, __m256i two_fc) {
  const __m256i value = _mm256_load_si256(reinterpret_cast<const __m256i*>(walk));
  const __m256i step = _mm256_load_si256(reinterpret_cast<const __m256i*>(walk + lanes));
  const __m256i f = _mm256_set1_epi32(fraction);
  const __m256i round = _mm256_set1_epi64x(std::int64_t{1} << 31);
  const __m256i even = _mm256_srli_epi64(_mm256_mul_epi32(step, f), 16);
  const __m256i odd = _mm256_slli_epi64(_mm256_srli_epi64(_mm256_mul_epi32(_mm256_srli_epi64(step, 32), f), 16), 32);
  const __m256i kernel = _mm256_add_epi32(value, _mm256_blend_epi32(even, odd, 0b10101010));
  const __m256i high_even = _mm256_srli_epi64(_mm256_add_epi64(_mm256_mul_epi32(kernel, two_fc), round), 32);
  const __m256i high_odd = _mm256_add_epi64(_mm256_mul_epi32(_mm256_srli_epi64(kernel, 32), two_fc), round);
  return _mm256_blend_epi32(high_even, high_odd, 0b10101010);
}

// acc[ch] += the exact products of eight coefficients and channel ch's
// eight samples (channel-major, kChunkSamples apart). The multiply takes
// the even 32-bit lanes: the even samples from the window, the odd ones
// from a load one sample later (a load costs less than a shift).
__attribute__((target("avx2,fma"), always_inline)) inline void AddChannelProducts(__m256i c, const std::int32_t* x0,
                                                                                  __m256i (&acc)[6]) {
  const __m256i c_odd = _mm256_srli_epi64(c, 32);
#pragma GCC unroll 6
  for (std::size_t ch = 0; ch < 6; ++ch) {
    const std::int32_t* x = x0 + ch * SincInterpolator::kChunkSamples;
    acc[ch] = _mm256_add_epi64(acc[ch], _mm256_mul_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(x)), c));
    acc[ch] =
        _mm256_add_epi64(acc[ch], _mm256_mul_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + 1)), c_odd));
  }
}

// The six sums of a point's products (each channel's four 64-bit lanes) to
// RoundQ29Dot less the offset, into point[0..5], as Q31Numeric computes
// them. The rounding's arithmetic shift is a logical one of the sum plus
// 2^63 (the result plus 2^34); when every result lies in [-2^30, 2^30) and
// every offset within +-2^30 (`offsets_small`) nothing saturates, and the
// low words less the offsets are the answer. Otherwise the scalar form.
__attribute__((target("avx2,fma"), always_inline)) inline void FinishPointQ29(const __m256i (&acc)[6],
                                                                              const std::int32_t* offset,
                                                                              bool offsets_small, std::int32_t* point) {
  // [0+1 lanes of a, b | 2+3 lanes of a, b] per pair of channels.
  const __m256i p01 = _mm256_add_epi64(_mm256_unpacklo_epi64(acc[0], acc[1]), _mm256_unpackhi_epi64(acc[0], acc[1]));
  const __m256i p23 = _mm256_add_epi64(_mm256_unpacklo_epi64(acc[2], acc[3]), _mm256_unpackhi_epi64(acc[2], acc[3]));
  const __m256i p45 = _mm256_add_epi64(_mm256_unpacklo_epi64(acc[4], acc[5]), _mm256_unpackhi_epi64(acc[4], acc[5]));
  const __m256i sums0123 =
      _mm256_add_epi64(_mm256_permute2x128_si256(p01, p23, 0x20), _mm256_permute2x128_si256(p01, p23, 0x31));
  const __m256i sums45 = _mm256_add_epi64(p45, _mm256_permute4x64_epi64(p45, _MM_SHUFFLE(1, 0, 3, 2)));
  const __m256i round = _mm256_set1_epi64x(std::numeric_limits<std::int64_t>::min() + (std::int64_t{1} << 28));
  const __m256i r0123 = _mm256_srli_epi64(_mm256_add_epi64(sums0123, round), 29);
  const __m256i r45 = _mm256_srli_epi64(_mm256_add_epi64(sums45, round), 29);
  // r - 2^34 + 2^30 in [0, 2^31): the rounded value in [-2^30, 2^30).
  const __m256i to_range = _mm256_set1_epi64x((std::int64_t{1} << 30) - (std::int64_t{1} << 34));
  const __m256i outside = _mm256_or_si256(_mm256_srli_epi64(_mm256_add_epi64(r0123, to_range), 31),
                                          _mm256_srli_epi64(_mm256_add_epi64(r45, to_range), 31));
  if (offsets_small && _mm256_testz_si256(outside, outside)) [[likely]] {
    const __m256i low_words = _mm256_setr_epi32(0, 2, 4, 6, 0, 2, 4, 6);
    const __m128i first4 = _mm_sub_epi32(_mm256_castsi256_si128(_mm256_permutevar8x32_epi32(r0123, low_words)),
                                         _mm_loadu_si128(reinterpret_cast<const __m128i*>(offset)));
    const __m128i last2 = _mm_sub_epi32(_mm256_castsi256_si128(_mm256_permutevar8x32_epi32(r45, low_words)),
                                        _mm_loadl_epi64(reinterpret_cast<const __m128i*>(offset + 4)));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(point), first4);
    _mm_storel_epi64(reinterpret_cast<__m128i*>(point + 4), last2);
    return;
  }
  alignas(32) std::int64_t sums[8];
  _mm256_store_si256(reinterpret_cast<__m256i*>(&sums[0]), sums0123);
  _mm256_store_si256(reinterpret_cast<__m256i*>(&sums[4]), sums45);
  for (std::size_t ch = 0; ch < 6; ++ch) {
    point[ch] = Q31Numeric::Sub(SincInterpolator::RoundQ29Dot(sums[ch]), offset[ch]);
  }
}

}  // namespace

template <int kVectorsPerSide>
__attribute__((target("avx2,fma"))) int SincInterpolator::ChannelMajorLoop(const ChannelMajorChunk<float>& chunk,
                                                                           const PointGrid& grid, int first_point,
                                                                           const float* offset, float* out) const {
  const auto side =
      kVectorsPerSide > 0 ? std::size_t{8} * kVectorsPerSide : static_cast<std::size_t>(transposed_lanes_);
  constexpr std::size_t stride = kChunkSamples;
  const float* walks = transposed_;
  const __m128 two_fc = _mm_set1_ps(two_fc_);
  const __m128 offset_first4 = _mm_loadu_ps(offset);
  const __m128 offset_last2 = _mm_castpd_ps(_mm_load_sd(reinterpret_cast<const double*>(offset + 4)));
  // The left walk runs outwards (towards older samples), so its taps are
  // reversed into sample order: window sample p < side takes left tap
  // side - 1 - p.
  const __m256i reverse = _mm256_setr_epi32(7, 6, 5, 4, 3, 2, 1, 0);
  int j = first_point;
  for (; j < grid.count; ++j) {
    float u;
    const float* samples;
    if (!LocatePoint(chunk, grid, j, side, u, samples)) break;
    const TapWalk walk = StartWalk(u);
    const float* left_walk = walks + 2 * static_cast<std::size_t>(walk.left_entry) * side;
    const float* right_walk = walks + 2 * static_cast<std::size_t>(walk.right_entry) * side;
    const __m256 left_fraction = _mm256_set1_ps(walk.left_fraction),
                 right_fraction = _mm256_set1_ps(walk.right_fraction);
    __m256 acc[6] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(),
                     _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
#pragma GCC unroll 8
    for (std::size_t v = 0; v < side; v += 8) {
      const std::size_t k = side - 8 - v;
      const __m256 taps = _mm256_permutevar8x32_ps(
          _mm256_fmadd_ps(left_fraction, _mm256_load_ps(left_walk + side + k), _mm256_load_ps(left_walk + k)), reverse);
#pragma GCC unroll 6
      for (std::size_t ch = 0; ch < 6; ++ch) {
        const __m256 x = _mm256_loadu_ps(samples + ch * stride + v);
        acc[ch] =
            v == 0 ? _mm256_mul_ps(taps, x) : _mm256_fmadd_ps(taps, x, acc[ch]);  // no zeroed accumulators to copy
      }
    }
#pragma GCC unroll 8
    for (std::size_t v = 0; v < side; v += 8) {
      const __m256 taps =
          _mm256_fmadd_ps(right_fraction, _mm256_load_ps(right_walk + side + v), _mm256_load_ps(right_walk + v));
#pragma GCC unroll 6
      for (std::size_t ch = 0; ch < 6; ++ch) {
        acc[ch] = _mm256_fmadd_ps(taps, _mm256_loadu_ps(samples + ch * stride + side + v), acc[ch]);
      }
    }
    // Each accumulator's eight lanes to one sum: pairwise adds give channels
    // 0-3 in one vector and 4-5 in another.
    const __m256 h01 = _mm256_hadd_ps(acc[0], acc[1]), h23 = _mm256_hadd_ps(acc[2], acc[3]);
    const __m256 h45 = _mm256_hadd_ps(acc[4], acc[5]);
    const __m256 h0123 = _mm256_hadd_ps(h01, h23), h4545 = _mm256_hadd_ps(h45, h45);
    // Times 2 fc, less the offset, rounded once.
    const __m128 first4 =
        _mm_fmsub_ps(_mm_add_ps(_mm256_castps256_ps128(h0123), _mm256_extractf128_ps(h0123, 1)), two_fc, offset_first4);
    const __m128 last2 =
        _mm_fmsub_ps(_mm_add_ps(_mm256_castps256_ps128(h4545), _mm256_extractf128_ps(h4545, 1)), two_fc, offset_last2);
    // Two stores a point (six scattered ones cost more than the copy
    // channel-major afterwards).
    float* const point = out + 6 * static_cast<std::size_t>(j);
    _mm_storeu_ps(point, first4);
    _mm_storel_pi(reinterpret_cast<__m64*>(point + 4), last2);
  }
  return j;
}

int SincInterpolator::InterpolateSixChannelMajor(const ChannelMajorChunk<float>& chunk, const PointGrid& grid,
                                                 int first_point, const float* offset, float* out) const {
  // Two vectors a side (16 samples) is 8 kSPS: its loops fully unrolled.
  if (transposed_lanes_ == 16) return ChannelMajorLoop<2>(chunk, grid, first_point, offset, out);
  return ChannelMajorLoop<0>(chunk, grid, first_point, offset, out);
}

template <typename Sample>
void SincInterpolator::CopyFramesChannelMajor(const Sample* frames, int count, Sample* const* channels) {
  static_assert(sizeof(Sample) == 4, "four-byte samples: moved as float lanes, bits unchanged");
  // Intrinsic loads and stores may alias any type; the shuffles move bits.
  const auto* in = reinterpret_cast<const float*>(frames);
  // Eight frames at a time: frames 0-3 in the low halves of six vectors and
  // frames 4-7 in the high halves; in each half, the four frames' 24 values
  // are regrouped into channels 0-3 (a 4 x 4 transpose) and 4-5.
  int k = 0;
  for (; k + 8 <= count; k += 8) {
    const float* a = in + 6 * k;
    __m256 m[6];
    for (int r = 0; r < 6; ++r)
      m[r] = _mm256_insertf128_ps(_mm256_castps128_ps256(_mm_loadu_ps(a + 4 * r)), _mm_loadu_ps(a + 24 + 4 * r), 1);
    const __m256 row0 = m[0];
    const __m256 row1 = _mm256_shuffle_ps(m[1], m[2], _MM_SHUFFLE(1, 0, 3, 2));
    const __m256 row2 = m[3];
    const __m256 row3 = _mm256_shuffle_ps(m[4], m[5], _MM_SHUFFLE(1, 0, 3, 2));
    const __m256 tail01 = _mm256_shuffle_ps(m[1], m[2], _MM_SHUFFLE(3, 2, 1, 0));  // f0c4 f0c5 f1c4 f1c5
    const __m256 tail23 = _mm256_shuffle_ps(m[4], m[5], _MM_SHUFFLE(3, 2, 1, 0));  // f2c4 f2c5 f3c4 f3c5
    const __m256 t0 = _mm256_unpacklo_ps(row0, row1), t1 = _mm256_unpackhi_ps(row0, row1);
    const __m256 t2 = _mm256_unpacklo_ps(row2, row3), t3 = _mm256_unpackhi_ps(row2, row3);
    const __m256 channel[6] = {_mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(1, 0, 1, 0)),
                               _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(3, 2, 3, 2)),
                               _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(1, 0, 1, 0)),
                               _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(3, 2, 3, 2)),
                               _mm256_shuffle_ps(tail01, tail23, _MM_SHUFFLE(2, 0, 2, 0)),
                               _mm256_shuffle_ps(tail01, tail23, _MM_SHUFFLE(3, 1, 3, 1))};
    for (std::size_t ch = 0; ch < 6; ++ch) _mm256_storeu_ps(reinterpret_cast<float*>(channels[ch] + k), channel[ch]);
  }
  for (; k < count; ++k) {
    for (std::size_t ch = 0; ch < 6; ++ch) channels[ch][k] = frames[6 * k + static_cast<int>(ch)];
  }
}
template void SincInterpolator::CopyFramesChannelMajor<float>(const float*, int, float* const*);
template void SincInterpolator::CopyFramesChannelMajor<std::int32_t>(const std::int32_t*, int, std::int32_t* const*);

int SincInterpolator::InterpolateSixChannelMajor(const ChannelMajorChunk<std::int32_t>& chunk, const PointGrid& grid,
                                                 int first_point, const std::int32_t* offset, std::int32_t* out) const {
  if (transposed_lanes_ == 16) return ChannelMajorLoopQ29<2>(chunk, grid, first_point, offset, out);
  return ChannelMajorLoopQ29<0>(chunk, grid, first_point, offset, out);
}

template <int kVectorsPerSide>
__attribute__((target("avx2,fma"))) int SincInterpolator::ChannelMajorLoopQ29(
    const ChannelMajorChunk<std::int32_t>& chunk, const PointGrid& grid, int first_point, const std::int32_t* offset,
    std::int32_t* out) const {
  const auto side =
      kVectorsPerSide > 0 ? std::size_t{8} * kVectorsPerSide : static_cast<std::size_t>(transposed_lanes_);
  const __m256i two_fc = _mm256_set1_epi32(two_fc_q31_);
  // The left walk runs outwards; its coefficients are reversed into sample
  // order, as in the float loop.
  const __m256i reverse = _mm256_setr_epi32(7, 6, 5, 4, 3, 2, 1, 0);
  bool offsets_small = true;
  for (std::size_t ch = 0; ch < 6; ++ch) {
    offsets_small = offsets_small && offset[ch] > -(std::int32_t{1} << 30) && offset[ch] < (std::int32_t{1} << 30);
  }
  int j = first_point;
  for (; j < grid.count; ++j) {
    float u;
    const std::int32_t* samples;
    if (!LocatePoint(chunk, grid, j, side, u, samples)) break;  // the same u, so the same Q15 walk
    const TapWalkQ15 walk = StartWalkQ15(u);
    const std::int32_t* left_walk = &transposed_q30_[2 * static_cast<std::size_t>(walk.left_entry) * side];
    const std::int32_t* right_walk = &transposed_q30_[2 * static_cast<std::size_t>(walk.right_entry) * side];
    // acc[ch] lanes: 64-bit sums of the even and the odd samples' exact
    // products (integer sums, so their order does not matter).
    __m256i acc[6] = {_mm256_setzero_si256(), _mm256_setzero_si256(), _mm256_setzero_si256(),
                      _mm256_setzero_si256(), _mm256_setzero_si256(), _mm256_setzero_si256()};
#pragma GCC unroll 8
    for (std::size_t v = 0; v < side; v += 8) {
      const __m256i c = EightCoefsQ29(left_walk + (side - 8 - v), side, walk.left_fraction, two_fc);
      AddChannelProducts(_mm256_permutevar8x32_epi32(c, reverse), samples + v, acc);
    }
#pragma GCC unroll 8
    for (std::size_t v = 0; v < side; v += 8) {
      AddChannelProducts(EightCoefsQ29(right_walk + v, side, walk.right_fraction, two_fc), samples + side + v, acc);
    }
    FinishPointQ29(acc, offset, offsets_small, out + 6 * static_cast<std::size_t>(j));
  }
  return j;
}
#endif

void SincInterpolator::ComputeTaps(float u, float* taps) const {
  // The same walk as InterpolateFrames.
  const TapWalk walk = StartWalk(u);
  const float* left = &kSincKernelPairs[2 * static_cast<std::size_t>(walk.left_entry)];
  const float* right = &kSincKernelPairs[2 * static_cast<std::size_t>(walk.right_entry)];
  const auto stride = static_cast<std::size_t>(2 * steps_per_sample_);
  for (int k = 0; k < half_span_; ++k) {
    const float* l = left + static_cast<std::size_t>(k) * stride;
    const float* r = right + static_cast<std::size_t>(k) * stride;
    taps[half_span_ - 1 - k] = two_fc_ * (l[0] + walk.left_fraction * l[1]);
    taps[half_span_ + k] = two_fc_ * (r[0] + walk.right_fraction * r[1]);
  }
}

void SincInterpolator::ComputeCoefsQ29(float u, std::int32_t* coefs) const {
  // The same walk as InterpolateFrames' integer path: each side's first
  // pair and fraction, then pairs S apart at that fraction.
  const TapWalkQ15 walk = StartWalkQ15(u);
  const std::int32_t* left = &kSincKernelPairsQ30[2 * static_cast<std::size_t>(walk.left_entry)];
  const std::int32_t* right = &kSincKernelPairsQ30[2 * static_cast<std::size_t>(walk.right_entry)];
  const auto stride = static_cast<std::size_t>(2 * steps_per_sample_);
  const std::int32_t two_fc = two_fc_q31_;
  const int half = half_span_;
  for (int k = 0; k < half; ++k) {
    coefs[half - 1 - k] = CoefQ29(left + static_cast<std::size_t>(k) * stride, walk.left_fraction, two_fc);
    coefs[half + k] = CoefQ29(right + static_cast<std::size_t>(k) * stride, walk.right_fraction, two_fc);
  }
}

#if METER_DSP_ARM_BLOCK_LOADS
// clang-format off
void SincInterpolator::InterpolateSixFloatsBlockLoads(float u, const float* centre, float* out) const {
  const TapWalk walk = StartWalk(u);
  // Accumulators in s10-s15; s0-s5 take a frame, s6-s7 the table pair
  // (value, step).
  register float acc0 asm("s10") = 0.0f;
  register float acc1 asm("s11") = 0.0f;
  register float acc2 asm("s12") = 0.0f;
  register float acc3 asm("s13") = 0.0f;
  register float acc4 asm("s14") = 0.0f;
  register float acc5 asm("s15") = 0.0f;
  const float* left = centre;   // walks down: frames k0, k0 - 1, ...
  const float* right = centre;  // walks up: frames k0 + 1, k0 + 2, ...
  const float* left_pair = &kSincKernelPairs[2 * static_cast<std::size_t>(walk.left_entry)];
  const float* right_pair = &kSincKernelPairs[2 * static_cast<std::size_t>(walk.right_entry)];
  const std::uintptr_t stride = 2 * sizeof(float) * static_cast<std::uintptr_t>(steps_per_sample_);
  int count = half_span_;
  // One tap: s6 = value + fraction step from the side's next table pair,
  // then acc[ch] += s6 * frame[ch]. A left and a right tap per pass, in
  // InterpolateFrames' order.
#define METER_SINC_TAP(PAIR, FRACTION, FRAME_LOAD) \
  "vldmia %[" PAIR "], {s6-s7}\n\t"              \
  "add %[" PAIR "], %[" PAIR "], %[stride]\n\t"   \
  "vfma.f32 s6, %[" FRACTION "], s7\n\t"          \
  FRAME_LOAD "\n\t"                               \
  "vfma.f32 %[acc0], s6, s0\n\t"                  \
  "vfma.f32 %[acc1], s6, s1\n\t"                  \
  "vfma.f32 %[acc2], s6, s2\n\t"                  \
  "vfma.f32 %[acc3], s6, s3\n\t"                  \
  "vfma.f32 %[acc4], s6, s4\n\t"                  \
  "vfma.f32 %[acc5], s6, s5\n\t"
  asm volatile(
      "1:\n\t" METER_SINC_TAP("left_pair", "left_fraction", "vldmdb %[left]!, {s0-s5}")
      METER_SINC_TAP("right_pair", "right_fraction", "vldmia %[right]!, {s0-s5}")
      "subs %[count], %[count], #1\n\t"
      "bne 1b\n\t"
      : [acc0] "+t"(acc0), [acc1] "+t"(acc1), [acc2] "+t"(acc2), [acc3] "+t"(acc3), [acc4] "+t"(acc4),
        [acc5] "+t"(acc5), [left] "+r"(left), [right] "+r"(right), [left_pair] "+r"(left_pair),
        [right_pair] "+r"(right_pair), [count] "+r"(count)
      : [stride] "r"(stride), [left_fraction] "t"(walk.left_fraction), [right_fraction] "t"(walk.right_fraction)
      : "s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7", "cc", "memory");
#undef METER_SINC_TAP
  out[0] = acc0 * two_fc_;
  out[1] = acc1 * two_fc_;
  out[2] = acc2 * two_fc_;
  out[3] = acc3 * two_fc_;
  out[4] = acc4 * two_fc_;
  out[5] = acc5 * two_fc_;
}
// clang-format on
#endif

#if METER_DSP_ARM_BLOCK_LOADS
// clang-format off
namespace {

// A point's Q29 coefficients, as CoefQ29: the pair's SMLAWB join with the
// side's one fraction, then SMMULR by 2 fc; five instructions a tap (GCC
// matches neither in the portable loop). Coefficient j multiplies frame j,
// so the left walk fills downwards from coef + half and the right upwards.
__attribute__((always_inline)) inline void CoefsQ29Arm(const std::int32_t* left_pair, const std::int32_t* right_pair,
                                                       std::int32_t left_fraction, std::int32_t right_fraction,
                                                       std::uintptr_t stride, std::int32_t two_fc, int half,
                                                       std::int32_t* coef) {
  std::int32_t* left = coef + half;
  std::int32_t* right = coef + half;
  int count = half;  // a left and a right coefficient a pass
  std::int32_t value = 0, step = 0;
#define METER_SINC_COEF(PAIR, FRACTION, STORE)                  \
  "ldrd %[value], %[step], [%[" PAIR "]]\n\t"                   \
  "add %[" PAIR "], %[" PAIR "], %[stride]\n\t"                 \
  "smlawb %[value], %[step], %[" FRACTION "], %[value]\n\t"     \
  "smmulr %[value], %[value], %[fc]\n\t" STORE "\n\t"
  // Two coefficients a side an iteration, as the passes below.
#define METER_SINC_COEF_PAIR                                                        \
  METER_SINC_COEF("left_pair", "left_fraction", "str %[value], [%[left], #-4]!")    \
  METER_SINC_COEF("right_pair", "right_fraction", "str %[value], [%[right]], #4")
  asm volatile(METER_DSP_ARM_LOOP_TWO_AT_A_TIME(METER_SINC_COEF_PAIR)
      : [left_pair] "+r"(left_pair), [right_pair] "+r"(right_pair), [left] "+r"(left), [right] "+r"(right),
        [count] "+r"(count), [value] "=&r"(value), [step] "=&r"(step)
      : [stride] "r"(stride), [left_fraction] "r"(left_fraction), [right_fraction] "r"(right_fraction),
        [fc] "r"(two_fc)
      : "cc", "memory");
#undef METER_SINC_COEF_PAIR
#undef METER_SINC_COEF
}

// Three channels of a run of six-channel frames (`frame` points at the
// first frame's first of the three): a[ch] += coef[j] * frame(j)[ch] over
// 2 half taps, 64-bit multiply-accumulates.
__attribute__((always_inline)) inline void ThreeChannelSumsArm(const std::int32_t* frame, const std::int32_t* coef,
                                                               int half, std::int64_t& a0, std::int64_t& a1,
                                                               std::int64_t& a2) {
  int count = half;  // tap pairs
  // A tap pair's coefficients with one LDRD; per tap channel 2 first, so
  // its register then takes channel 0's sample (two sample registers).
  std::int32_t x0, x1, c0, c1;
#define METER_SINC_THREE_CHANNELS(COEF)             \
  "ldr %[x0], [%[frame], #8]\n\t"                 \
  "smlal %Q[a2], %R[a2], %[" COEF "], %[x0]\n\t"  \
  "ldrd %[x0], %[x1], [%[frame]], #24\n\t"        \
  "smlal %Q[a0], %R[a0], %[" COEF "], %[x0]\n\t"  \
  "smlal %Q[a1], %R[a1], %[" COEF "], %[x1]\n\t"
  // Two tap pairs an iteration.
  asm volatile(METER_DSP_ARM_LOOP_TWO_AT_A_TIME(
                   "ldrd %[c0], %[c1], [%[c]], #8\n\t" METER_SINC_THREE_CHANNELS("c0") METER_SINC_THREE_CHANNELS("c1"))
      : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [frame] "+r"(frame), [c] "+r"(coef), [count] "+r"(count),
        [x0] "=&r"(x0), [x1] "=&r"(x1), [c0] "=&r"(c0), [c1] "=&r"(c1)
      :
      : "cc", "memory");
#undef METER_SINC_THREE_CHANNELS
}

// Bits 29-60 of a sum (its value >> 29 where it fits int32).
inline std::int32_t NarrowQ29(std::int64_t sum) {
  return static_cast<std::int32_t>(static_cast<std::uint64_t>(sum) >> 29);
}

}  // namespace

template <bool kNarrow>
void SincInterpolator::SixIntegerPasses(float u, const std::int32_t* first, const std::int64_t* start, void* out,
                                        std::size_t out_stride) const {
  std::int32_t coef[kMaxTaps];
  const TapWalkQ15 walk = StartWalkQ15(u);
  CoefsQ29Arm(&kSincKernelPairsQ30[2 * static_cast<std::size_t>(walk.left_entry)],
              &kSincKernelPairsQ30[2 * static_cast<std::size_t>(walk.right_entry)], walk.left_fraction,
              walk.right_fraction, 2 * sizeof(std::int32_t) * static_cast<std::uintptr_t>(steps_per_sample_),
              two_fc_q31_, half_span_, coef);
  // Two passes of three channels.
  for (int pass = 0; pass < 2; ++pass) {
    std::int64_t a0 = start[3 * pass], a1 = start[3 * pass + 1], a2 = start[3 * pass + 2];
    ThreeChannelSumsArm(first + 3 * pass, coef, half_span_, a0, a1, a2);
    if constexpr (kNarrow) {
      auto* narrow = static_cast<std::int32_t*>(out) + 3 * static_cast<std::size_t>(pass) * out_stride;
      narrow[0] = NarrowQ29(a0);
      narrow[out_stride] = NarrowQ29(a1);
      narrow[2 * out_stride] = NarrowQ29(a2);
    } else {
      auto* acc = static_cast<std::int64_t*>(out) + 3 * pass;
      acc[0] = a0;
      acc[1] = a1;
      acc[2] = a2;
    }
  }
}
template void SincInterpolator::SixIntegerPasses<false>(float, const std::int32_t*, const std::int64_t*, void*,
                                                        std::size_t) const;
template void SincInterpolator::SixIntegerPasses<true>(float, const std::int32_t*, const std::int64_t*, void*,
                                                       std::size_t) const;
// clang-format on
#endif

#if METER_DSP_ARM_BLOCK_LOADS
// clang-format off
int SincInterpolator::InterpolateSixGridFromStarts(const std::int32_t* frames, int length, const PointGrid& grid,
                                                   int first_point, const std::int64_t* start,
                                                   std::int32_t* out) const {
  constexpr std::size_t kStride = kGridOutStride;
  const int half = half_span_;
  const int span = 2 * half;
  const auto origin = static_cast<int>(grid.origin);
  int j = first_point;
  if (half > 0) {
    // One assembly loop over the points: each point's position and tap
    // walk (the float operations of the portable loop, in its order), its
    // coefficients, then two passes of three channels from the starts, each
    // sum's bits 29-60 stored. The loop's state lives in `job`, so no
    // register is spilled between the parts, and each inner loop runs four
    // tap pairs an iteration.
    // The loop's state; pairs of fields one LDRD reads stay adjacent.
    struct GridJob {
      const std::int32_t* window;  // the point's first frame
      std::int32_t* out;           // channel 0 of the point
      std::uintptr_t stride;       // bytes between a side's pairs (LDRD with two_fc)
      std::int32_t two_fc;
      int half;                    // (LDRD with coef)
      std::int32_t* coef;
      const std::int64_t* start;
      int point;                   // j (LDRD with count)
      int count;
      int first_offset;            // origin - half + 1 (LDRD with last_first)
      int last_first;              // length - 2 half
      const std::int32_t* frames;
      const std::int32_t* pairs;   // (LDRD with scale_q15)
      std::int32_t scale_q15;
    };
    static_assert(sizeof(void*) == 4, "the pairs that one LDRD reads are adjacent words");
    if (length < span) return j;  // no window fits (and last_first must not be negative)
    std::int32_t coef[kMaxTaps];
    GridJob job{nullptr,
                out + j,
                2 * sizeof(std::int32_t) * static_cast<std::uintptr_t>(steps_per_sample_),
                two_fc_q31_,
                half,
                coef,
                start,
                j,
                grid.count,
                origin - half + 1,
                length - span,
                frames,
                kSincKernelPairsQ30.data(),
                scale_q15_};
    register GridJob* job_in asm("r0") = &job;
    // N (>= 1) passes of BODY: for N <= 16, straight through the last N of
    // 16 copies (every instruction of BODY is 32-bit, so each copy has a
    // fixed size, BODY_BYTES, and the entry is label 13 less N copies, which
    // MINUS_N_BYTES subtracts from T); more take the four-a-pass loop. The
    // assembler checks the copies' size (.error otherwise), so a 16-bit
    // instruction slipped into BODY stops the build instead of entering
    // mid-instruction. Labels 3, 5-8 (the loop's) and 12-15.
#define METER_SINC_STRAIGHT_OR_LOOP(N, T, MINUS_N_BYTES, BODY_BYTES, BODY)                     \
  "cmp " N ", #16\n\t"                                                                       \
  "bhi 14f\n\t"                                                                              \
  "adr " T ", 13f\n\t" MINUS_N_BYTES "orr " T ", " T ", #1\n\t"                             \
  "bx " T "\n\t"                                                                             \
  "15:\n\t" BODY BODY BODY BODY BODY BODY BODY BODY BODY BODY BODY BODY BODY BODY BODY BODY   \
  "13:\n\t"                                                                                 \
  ".if (13b - 15b) != 16 * " BODY_BYTES "\n\t"                                               \
  ".error \"METER_SINC_STRAIGHT_OR_LOOP: a copy of BODY is not " BODY_BYTES " bytes\"\n\t"   \
  ".endif\n\t"                                                                              \
  "b 12f\n\t"                                                                               \
  "14:\n\t" METER_DSP_ARM_LOOP_FOUR_AT_A_TIME_OF(N, BODY) "12:\n\t"
    // A left and a right coefficient (CoefQ29), as CoefsQ29Arm.
#define METER_SINC_COEF_PAIR                                                                 \
  "ldrd r10, r11, [r1]\n\tadd.w r1, r1, r5\n\tsmlawb r10, r11, r3, r10\n\t"                    \
  "smmulr r10, r10, r6\n\tstr r10, [r8, #-4]!\n\t"                                           \
  "ldrd r10, r11, [r2]\n\tadd.w r2, r2, r5\n\tsmlawb r10, r11, r4, r10\n\t"                    \
  "smmulr r10, r10, r6\n\tstr r10, [r9], #4\n\t"
    // One tap of three channels (coefficient C; channel 2 first, so lr
    // then takes channel 0), as ThreeChannelSumsArm.
#define METER_SINC_TAP3(C)                                                                   \
  "ldr.w lr, [r8, #8]\n\tsmlal r6, r7, " C ", lr\n\tldrd lr, r1, [r8], #24\n\t"                \
  "smlal r2, r3, " C ", lr\n\tsmlal r4, r5, " C ", r1\n\t"
    // A pass: the sums from start[S..S+2], the channels at byte CH of
    // each frame, the bits stored at out + O0, O1, O2 bytes.
#define METER_SINC_PASS(S0, S1, S2, CH, O0, O1, O2)                                          \
  "ldr r1, [r0, %[start_at]]\n\t"                                                                    \
  "ldrd r2, r3, [r1, #" S0 "]\n\tldrd r4, r5, [r1, #" S1 "]\n\tldrd r6, r7, [r1, #" S2 "]\n\t" \
  "ldr r8, [r0, %[window_at]]\n\tadd r8, r8, #" CH "\n\tldrd r9, r10, [r0, %[half_at]]\n\t"                   \
  METER_SINC_STRAIGHT_OR_LOOP("r9", "r11",                                                     \
                              "add r12, r9, r9, lsl #1\n\tadd r12, r12, r9, lsl #3\n\tsub r11, r11, r12, lsl #2\n\t", \
                              "44", "ldrd r11, r12, [r10], #8\n\t" METER_SINC_TAP3("r11") METER_SINC_TAP3("r12")) \
  "ldr r8, [r0, %[out_at]]\n\t"                                                                    \
  "lsrs r1, r2, #29\n\torr r1, r1, r3, lsl #3\n\tstr r1, [r8, #" O0 "]\n\t"                   \
  "lsrs r1, r4, #29\n\torr r1, r1, r5, lsl #3\n\tstr r1, [r8, #" O1 "]\n\t"                   \
  "lsrs r1, r6, #29\n\torr r1, r1, r7, lsl #3\n\tstr r1, [r8, #" O2 "]\n\t"
    static_assert(kStride == 128, "the output offsets below are 512-byte channel strides");
    asm volatile(
        "10:\n\t"
        "ldrd r1, r2, [r0, %[point_at]]\n\t"  // point, count
        "cmp r1, r2\n\t"
        "bge 11f\n\t"
        // rel = start_frac + j step (fused, as GCC contracts the portable
        // loop's), whole = rel toward zero, u = rel - whole, and the
        // walk's start u S in Q15, toward zero: StartWalkQ15.
        "vmov s0, r1\n\t"
        "vcvt.f32.s32 s0, s0\n\t"
        "vmov.f32 s1, %[frac]\n\t"
        "vfma.f32 s1, s0, %[step]\n\t"
        "vcvt.s32.f32 s2, s1\n\t"
        "vmov r3, s2\n\t"
        "vcvt.f32.s32 s2, s2\n\t"
        "vsub.f32 s1, s1, s2\n\t"
        "vmul.f32 s1, s1, %[scale]\n\t"
        "vcvt.s32.f32 s1, s1\n\t"
        "vmov r4, s1\n\t"
        // The window's first frame, in the run or done (unsigned: a
        // negative first is out too).
        "ldrd r5, r6, [r0, %[first_offset_at]]\n\t"
        "add r3, r3, r5\n\t"
        "cmp r3, r6\n\t"
        "bhi 11f\n\t"
        "ldr r7, [r0, %[frames_at]]\n\t"
        "add r3, r3, r3, lsl #1\n\t"
        "add r7, r7, r3, lsl #3\n\t"
        "str r7, [r0, %[window_at]]\n\t"
        // The walks: r1, r2 the sides' first pairs, r3, r4 their fractions.
        "ldrd r6, r5, [r0, %[pairs_at]]\n\t"  // pairs, S in Q15
        "sub r5, r5, r4\n\t"
        "asr r1, r4, #15\n\t"
        "add r1, r6, r1, lsl #3\n\t"
        "asr r2, r5, #15\n\t"
        "add r2, r6, r2, lsl #3\n\t"
        "ubfx r3, r4, #0, #15\n\t"
        "ubfx r4, r5, #0, #15\n\t"
        "ldrd r5, r6, [r0, %[stride_at]]\n\t"  // stride, 2 fc
        "ldrd r7, r8, [r0, %[half_at]]\n\t"  // half, coef
        "add r8, r8, r7, lsl #2\n\t"
        "mov r9, r8\n\t"
        METER_SINC_STRAIGHT_OR_LOOP("r7", "r12", "add r10, r7, r7, lsl #2\n\tsub r12, r12, r10, lsl #3\n\t",
                                    "40", METER_SINC_COEF_PAIR)
        METER_SINC_PASS("0", "8", "16", "0", "0", "512", "1024")
        METER_SINC_PASS("24", "32", "40", "12", "1536", "2048", "2560")
        "ldr r1, [r0, %[point_at]]\n\t"
        "adds r1, r1, #1\n\t"
        "str r1, [r0, %[point_at]]\n\t"
        "ldr r1, [r0, %[out_at]]\n\t"
        "adds r1, r1, #4\n\t"
        "str r1, [r0, %[out_at]]\n\t"
        "b 10b\n\t"
        "11:\n\t"
        :
        : "r"(job_in), [frac] "t"(grid.start_frac), [step] "t"(grid.step),
          [scale] "t"(static_cast<float>(scale_q15_)), [window_at] "i"(offsetof(GridJob, window)),
          [out_at] "i"(offsetof(GridJob, out)), [stride_at] "i"(offsetof(GridJob, stride)),
          [half_at] "i"(offsetof(GridJob, half)), [start_at] "i"(offsetof(GridJob, start)),
          [point_at] "i"(offsetof(GridJob, point)), [first_offset_at] "i"(offsetof(GridJob, first_offset)),
          [frames_at] "i"(offsetof(GridJob, frames)), [pairs_at] "i"(offsetof(GridJob, pairs))
        : "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9", "r10", "r11", "r12", "lr", "s0", "s1", "s2", "cc",
          "memory");
#undef METER_SINC_PASS
#undef METER_SINC_TAP3
#undef METER_SINC_COEF_PAIR
#undef METER_SINC_STRAIGHT_OR_LOOP
    return job.point;
  }
  // No taps (an uninitialised interpolator): no point is done.
  return j;
}
// clang-format on
#endif

float SincInterpolator::CutoffWithFewerTaps(float cutoff, float max_rise) {
  // Init's steps per sample S and its taps a side, ceil(Z P / S); the
  // smallest S with one tap fewer, if the rise allows it and 2 fc <= 1.
  constexpr int kSpan = kZeroCrossings * kPointsPerZero;
  const int steps = std::max(1, static_cast<int>(std::floor(2.0 * static_cast<double>(cutoff) * kPointsPerZero)));
  const int half = (kSpan + steps - 1) / steps;
  if (half <= 1) return cutoff;
  const int fewer = (kSpan + half - 2) / (half - 1);  // ceil(Z P / (half - 1))
  const auto highest = static_cast<int>(
      std::floor(2.0 * static_cast<double>(cutoff) * (1.0 + static_cast<double>(max_rise)) * kPointsPerZero));
  if (fewer > highest || fewer > kPointsPerZero) return cutoff;
  return (static_cast<float>(fewer) + 0.5f) / (2.0f * kPointsPerZero);  // Init's floor gives `fewer`
}

float SincInterpolator::Response(float nu) const {
  const float r = std::fabs(nu) / two_fc_;
  const float pos = r * kResponsePoints;
  const int i = static_cast<int>(pos);
  if (i >= kResponsePoints) return kSincResponseTable[kResponsePoints];
  const float f = pos - static_cast<float>(i);
  const float a = kSincResponseTable[static_cast<std::size_t>(i)];
  const float b = kSincResponseTable[static_cast<std::size_t>(i) + 1];
  return a + f * (b - a);
}

}  // namespace meter::dsp
