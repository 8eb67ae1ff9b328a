// The x86-64 forms of the resampler (AVX2 + FMA, taken only when the CPU
// reports both: SincInterpolator::channel_major_ready()): six channels
// stored channel-major, each channel's taps a few 8-lane multiply-adds.
// Compiled on every target; its body only where target.h sets kX86Avx2.
// Portable twins: InterpolateFrames (sinc_interpolator.h); the host tests
// compare them (float to rounding, Q31 to the bit).
#include "meter/dsp/sinc_interpolator.h"

#if METER_DSP_X86_AVX2

#include <immintrin.h>

#include <cstddef>
#include <cstdint>
#include <limits>
#include <mutex>

#include "meter/dsp/sinc_tables.h"

namespace meter::dsp {
namespace {

// The kernel pairs regrouped by walk, for one S (kernel-table steps per
// sample): for each start entry e, the values of entries e, e + S, e + 2S,
// ... (one per tap of a side, zero past the kernel's taps, padded to a
// multiple of 8), then their steps. A side's taps are then a few 8-lane
// multiply-adds instead of one strided load pair per tap. The float walks
// start below S; the integer walk's right side can start at S too (its
// left starting on a whole entry), so it has S + 1 walks. Every phase needs
// S ceil8(half) pairs, and S half < 512 + S, so 512 + 8 S <= 1024 pairs
// hold them all.
constexpr int kRegroupedPairs = 1024;
constexpr int kMaxStepsPerSample = SincInterpolator::kPointsPerZero;  // 2 fc <= 1
static_assert(SincInterpolator::kPointsPerZero * SincInterpolator::kZeroCrossings +
                      8 * SincInterpolator::kPointsPerZero <=
                  kRegroupedPairs,
              "the regrouped table holds every walk");

struct RegroupedPairs {
  alignas(32) float pairs[2 * kRegroupedPairs];
  alignas(32) std::int32_t pairs_q30[2 * (kRegroupedPairs + SincInterpolator::kMaxTaps / 2)];
};

// One table per S, built on first use and shared by every interpolator
// with that S (they depend on S alone): host memory, so the interpolator
// itself has the same members on every target.
RegroupedPairs regrouped_by_steps[kMaxStepsPerSample + 1];
std::once_flag regrouped_once[kMaxStepsPerSample + 1];

void Regroup(const auto& pairs, int steps, int half, int walks, auto* out) {
  const auto lanes = static_cast<std::size_t>((half + 7) / 8 * 8);
  for (int e = 0; e < walks; ++e) {
    auto* values = out + 2 * static_cast<std::size_t>(e) * lanes;
    for (std::size_t k = 0; k < lanes; ++k) {
      const auto entry = static_cast<std::size_t>(e) + k * static_cast<std::size_t>(steps);
      const bool tap = k < static_cast<std::size_t>(half);
      values[k] = tap ? pairs[2 * entry] : 0;
      values[lanes + k] = tap ? pairs[2 * entry + 1] : 0;
    }
  }
}

// `steps` and `half` are an initialised interpolator's S and taps a side
// (which S alone decides).
const RegroupedPairs& RegroupedPairsFor(int steps, int half) {
  const auto s = static_cast<std::size_t>(steps);
  std::call_once(regrouped_once[s], [steps, half, s] {
    Regroup(kSincKernelPairs, steps, half, steps, regrouped_by_steps[s].pairs);
    Regroup(kSincKernelPairsQ30, steps, half, steps + 1, regrouped_by_steps[s].pairs_q30);
  });
  return regrouped_by_steps[s];
}

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
      kVectorsPerSide > 0 ? std::size_t{8} * kVectorsPerSide : static_cast<std::size_t>(channel_major_side());
  constexpr std::size_t stride = kChunkSamples;
  const float* walks = RegroupedPairsFor(steps_per_sample_, half_span_).pairs;
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
  if (channel_major_side() == 16) return ChannelMajorLoop<2>(chunk, grid, first_point, offset, out);
  return ChannelMajorLoop<0>(chunk, grid, first_point, offset, out);
}

template <typename Sample>
__attribute__((target("avx2,fma"))) void SincInterpolator::CopyFramesChannelMajor(const Sample* frames, int count,
                                                                                  Sample* const* channels) {
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

template <int kVectorsPerSide>
__attribute__((target("avx2,fma"))) int SincInterpolator::ChannelMajorLoopQ29(
    const ChannelMajorChunk<std::int32_t>& chunk, const PointGrid& grid, int first_point, const std::int32_t* offset,
    std::int32_t* out) const {
  const auto side =
      kVectorsPerSide > 0 ? std::size_t{8} * kVectorsPerSide : static_cast<std::size_t>(channel_major_side());
  const std::int32_t* walks = RegroupedPairsFor(steps_per_sample_, half_span_).pairs_q30;
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
    const std::int32_t* left_walk = walks + 2 * static_cast<std::size_t>(walk.left_entry) * side;
    const std::int32_t* right_walk = walks + 2 * static_cast<std::size_t>(walk.right_entry) * side;
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

// After the loop's definition, so that its instantiations carry the target attribute.
int SincInterpolator::InterpolateSixChannelMajor(const ChannelMajorChunk<std::int32_t>& chunk, const PointGrid& grid,
                                                 int first_point, const std::int32_t* offset, std::int32_t* out) const {
  if (channel_major_side() == 16) return ChannelMajorLoopQ29<2>(chunk, grid, first_point, offset, out);
  return ChannelMajorLoopQ29<0>(chunk, grid, first_point, offset, out);
}

}  // namespace meter::dsp

#endif  // METER_DSP_X86_AVX2
