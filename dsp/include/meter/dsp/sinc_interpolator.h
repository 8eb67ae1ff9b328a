#pragma once
// Band-limited interpolation of a uniformly sampled signal at arbitrary
// instants: a Kaiser-windowed sinc read from a table. The harmonic analysis
// uses it to resample every fundamental cycle to a fixed number of points
// (phase-locked sampling done in software, IEC 61000-4-7 style).
//
// The interpolator's passband is not perfectly flat near its cutoff.
// Response() gives the exact continuous response of the kernel as it is
// evaluated (table, linear interpolation between table points), so the
// spectrum can be equalised bin by bin instead of paying for a longer kernel.

#include <array>
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "meter/dsp/cycle_fft.h"
#include "meter/dsp/numeric.h"
#include "meter/dsp/ring_buffer.h"
#include "meter/dsp/sinc_tables.h"
#include "meter/dsp/target.h"
#include "meter/status.h"

// This header is the same on every target. The hand-written forms live in
// sibling files, each compiled where target.h says the target has them:
//   sinc_interpolator_arm.cc  Cortex-M4F (kArmBlockLoads): the six-channel
//       dot products over a contiguous run of frames, float and Q31, and
//       the Q31 grid loop, loading a frame and the table pair with block
//       loads (VLDM, LDRD) instead of one load per value;
//   sinc_interpolator_x86.cc  x86-64 with AVX2 and FMA (kX86Avx2): the
//       channel-major resamplers.
// The functions those files define are declared here on every target and
// called only behind `if constexpr` on the same switch; each has a portable
// twin that the tests compare it with.

namespace meter::dsp {

class SincInterpolator {
 public:
  static constexpr int kZeroCrossings = kSincZeroCrossings;    ///< Kernel half-width, in sinc zero crossings.
  static constexpr int kPointsPerZero = kSincPointsPerZero;    ///< Table resolution.
  static constexpr int kMaxTaps = 128;                         ///< Longest kernel, in input samples.
  static constexpr int kResponsePoints = kSincResponsePoints;  ///< Response table over r in [0, 1].

  /// @param cutoff_cycles_per_sample cutoff relative to the input rate, in (0, 0.5].
  ///        It is rounded down to a whole number of kernel-table steps per
  ///        input sample (at most 1/128 of a cycle per sample lower; cutoff()
  ///        gives the one used, and Response() describes it): every tap of a
  ///        point then reads the table at the same fraction between table
  ///        points, a fixed stride apart, so no tap needs its own position.
  /// @returns kInvalidArgument for a cutoff outside (0, 0.5]; kOutOfRange when
  ///          the kernel would need more than kMaxTaps taps.
  Status Init(float cutoff_cycles_per_sample);

  /// A cutoff at most `max_rise` (relative) above `cutoff` at which the
  /// kernel has one tap a side fewer, if there is one; else `cutoff`. A side
  /// has ceil(kZeroCrossings / 2 fc) taps, so just below a whole number of
  /// zero crossings per tap its last tap lies partly past the kernel's end
  /// (zero there): a slightly higher cutoff drops it.
  static float CutoffWithFewerTaps(float cutoff, float max_rise);

  /// Taps on each side of the interpolation point.
  int half_span() const { return half_span_; }
  int tap_count() const { return 2 * half_span_; }
  /// Cutoff in cycles per input sample, as used (see Init).
  float cutoff() const { return 0.5f * two_fc_; }
  /// Which loop interpolates six contiguous float frames on this build and
  /// CPU: "arm-block-loads" or "portable" (an x86 host with AVX2 resamples
  /// channel-major instead: see InterpolateSixChannelMajor).
  const char* float_frame_loop() const { return kArmBlockLoads ? "arm-block-loads" : "portable"; }
  /// Kernel-table steps per input sample: the stride between taps.
  int table_steps_per_sample() const { return steps_per_sample_; }

  /// Fills `taps[0 .. tap_count())` for the point k0 + u (u in [0, 1)); tap j
  /// multiplies the sample k0 - half_span() + 1 + j.
  void ComputeTaps(float u, float* taps) const;

  /// The integer taps of the same point (Q31Numeric's path): Q29, from the
  /// Q30 kernel pairs walked in Q15 table steps and scaled by 2 fc with a
  /// rounded high-word multiply (SMMULR); no float per tap, so a core
  /// without an FPU runs it in integer instructions. They equal ComputeTaps
  /// to a few parts in 10^6 (the point's position is in Q15 table steps).
  void ComputeCoefsQ29(float u, std::int32_t* coefs) const;
  /// A sum of Q29 coefficients times Q29 samples back to a Q29 sample:
  /// rounded, saturated.
  static std::int32_t RoundQ29Dot(std::int64_t acc) { return Q31Numeric::RoundDot<29>(acc); }

  /// Interpolates every channel of a frame at once: out[ch] = sum over taps
  /// j of tap_j(u) * frame(j)[ch], with the taps computed on the fly (never
  /// stored). `frame(j)` returns the frame of sample k0 - half_span() + 1 + j.
  /// Float: the taps of ComputeTaps, the channels' common factor 2 fc applied
  /// once at the end. Integer samples: the taps of ComputeCoefsQ29, summed in
  /// int64 and rounded once (RoundQ29Dot).
  template <typename Numeric, std::size_t kChannels, typename FrameAt>
  void InterpolateFrames(float u, FrameAt frame, typename Numeric::Sample* out) const {
    constexpr bool kFloat = std::is_floating_point_v<typename Numeric::Coef>;
    if constexpr (kArmBlockLoads && kChannels == 6 && kIsContiguousRun<FrameAt>) {
      static_assert(sizeof(frame(0)) == 6 * sizeof(typename Numeric::Sample), "frames must be six packed samples");
      // An uninitialised interpolator has no taps (the portable loop returns
      // zeros); the assembly loops need at least one tap a side.
      if (half_span_ > 0) {
        if constexpr (kFloat) {
          InterpolateSixFloatsBlockLoads(u, frame(half_span_).data(), out);
        } else {
          static_assert(std::is_same_v<typename Numeric::Sample, std::int32_t>);
          std::int64_t acc[6];
          InterpolateSixIntegersBlockLoads(u, frame(0).data(), acc);
          for (std::size_t ch = 0; ch < 6; ++ch) out[ch] = RoundQ29Dot(acc[ch]);
        }
        return;
      }
    }
    // Plain loops over a local array (no lambda holding it by reference), so
    // the accumulators stay in registers on every target.
    // Left side (t > 0): j = half - 1 .. 0, at table position
    // (u + half - 1 - j) S; right side (t <= 0): j = half .. 2 half - 1, at
    // (j + 1 - half - u) S. S is whole, so each side's taps share one
    // fraction between table points and lie S table entries apart.
    if constexpr (kFloat) {
      // A left and a right tap per pass, outwards from the point (the
      // Cortex-M4F loop adds in the same order, so the sums are the same).
      float acc[kChannels] = {};
      const TapWalk walk = StartWalk(u);
      const float* left = &kSincKernelPairs[2 * static_cast<std::size_t>(walk.left_entry)];
      const float* right = &kSincKernelPairs[2 * static_cast<std::size_t>(walk.right_entry)];
      const auto stride = static_cast<std::size_t>(2 * steps_per_sample_);
      for (int k = 0; k < half_span_; ++k) {
        const float* l = left + static_cast<std::size_t>(k) * stride;  // no pointer steps past the table
        const float* r = right + static_cast<std::size_t>(k) * stride;
        AddTap(l[0] + walk.left_fraction * l[1], frame(half_span_ - 1 - k), acc);
        AddTap(r[0] + walk.right_fraction * r[1], frame(half_span_ + k), acc);
      }
      for (std::size_t ch = 0; ch < kChannels; ++ch) out[ch] = acc[ch] * two_fc_;
    } else {
      // The coefficients first, then the dot product with int32 loads (a
      // 32 x 32 -> 64-bit multiply-accumulate each; GCC widens a coefficient
      // computed in the same loop to a full 64 x 64 multiply on 32-bit cores).
      // The tap count is read before the coefficients are stored: an int32
      // store may alias the member, so a count read after them could differ
      // for all GCC knows (it then warns that coefs may be read unset).
      const int taps = 2 * half_span_;
      std::int32_t coefs[kMaxTaps];
      ComputeCoefsQ29(u, coefs);
      std::int64_t acc[kChannels] = {};
      for (int j = 0; j < taps; ++j) AddTap(coefs[j], frame(j), acc);
      for (std::size_t ch = 0; ch < kChannels; ++ch) out[ch] = RoundQ29Dot(acc[ch]);
    }
  }

  /// Six integer channels of a contiguous run of frames (`first` is frame 0
  /// of InterpolateFrames), each less its offset, for a caller that has
  /// proved no sum saturates (|sample| * TapAbsSumBoundQ29() / 2^29 + 2 +
  /// |offset| below 2^31 - 1): the value Q31Numeric::Sub(RoundQ29Dot(sum),
  /// offset[ch]) of InterpolateFrames's sum, computed as (sum + start[ch])
  /// >> 29 with start[ch] = 2^28 - offset[ch] 2^29 (OffsetStarts: once for
  /// many points), the same value there. Channel ch's value goes to
  /// out[ch * stride] (a cycle's channel-major layout). The
  /// Cortex-M4F starts its block-load passes at those values and stores the
  /// top bits: three instructions a channel where rounding, saturating and
  /// subtracting take about seventeen.
  static void OffsetStarts(const std::int32_t* offset, std::int64_t* start) {
    for (std::size_t ch = 0; ch < 6; ++ch) start[ch] = (std::int64_t{1} << 28) - (std::int64_t{offset[ch]} << 29);
  }
  void InterpolateSixFromStarts(float u, const std::int32_t* first, const std::int64_t* start, std::int32_t* out,
                                std::size_t stride) const {
    if constexpr (kArmBlockLoads) {
      if (half_span_ > 0) {
        SixIntegerPasses<true>(u, first, start, out, stride);
        return;
      }
    }
    // The definition (the same values where nothing saturates).
    using Frame = std::array<std::int32_t, 6>;
    std::int32_t point[6];
    InterpolateFrames<Q31Numeric, 6>(u, ContiguousRun<Frame>{reinterpret_cast<const Frame*>(first)}, point);
    for (std::size_t ch = 0; ch < 6; ++ch) {
      const auto offset = static_cast<std::int32_t>(((std::int64_t{1} << 28) - start[ch]) >> 29);
      out[ch * stride] = Q31Numeric::Sub(point[ch], offset);
    }
  }
  /// Points j = 0 .. count - 1 at start_frac + j * step samples past the
  /// sample `origin` of a run of frames (the positions the meter's cycle
  /// loop computes, to the bit).
  struct PointGrid {
    std::int64_t origin;
    float start_frac;
    float step;
    int count;
  };
  /// InterpolateSixFromStarts for the grid's points from `first_point` on,
  /// from a contiguous run of `length` six-channel frames, for as long as
  /// each point's window lies in the run; returns the first point not done.
  /// Point j's channel ch goes to out[ch * kGridOutStride + j] (a cycle's
  /// channel-major arrays). The Cortex-M4F runs one assembly loop over the
  /// points, set up once for the run instead of once a point; elsewhere its
  /// twin, InterpolateSixGridPointByPoint, runs.
  int InterpolateSixGridFromStarts(const std::int32_t* frames, int length, const PointGrid& grid, int first_point,
                                   const std::int64_t* start, std::int32_t* out) const {
    if constexpr (kArmBlockLoads) {
      return SixGridPassesArm(frames, length, grid, first_point, start, out);
    } else {
      return InterpolateSixGridPointByPoint(frames, length, grid, first_point, start, out);
    }
  }
  /// The grid loop's portable twin: one InterpolateSixFromStarts a point,
  /// each point's position computed as the assembly loop computes it.
  /// hand_written_forms_test compares the two bit for bit on the target.
  int InterpolateSixGridPointByPoint(const std::int32_t* frames, int length, const PointGrid& grid, int first_point,
                                     const std::int64_t* start, std::int32_t* out) const;
  static constexpr std::size_t kGridOutStride = static_cast<std::size_t>(kPointsPerCycle);

  /// A bound of the sum of |tap| over any point's Q29 taps (Q29).
  std::int64_t TapAbsSumBoundQ29() const { return tap_abs_sum_bound_q29_; }

  /// Magnitude response at `nu` cycles per input sample (real: the kernel is
  /// symmetric, so it has no phase).
  float Response(float nu) const;

  /// Host, x86 with AVX2 and FMA (sinc_interpolator_x86.cc): six channels
  /// stored channel-major, so each channel's taps are a few 8-lane
  /// multiply-adds over consecutive samples (frame-major storage wastes a
  /// quarter of every vector and needs one broadcast tap per frame). True
  /// when this build, CPU and kernel can use it; the functions below are
  /// defined only where kX86Avx2 holds, so call them behind it.
  bool channel_major_ready() const { return kX86Avx2 && half_span_ > 0 && X86HasAvx2Fma(); }
  /// Samples a point reads on each side: half_span() rounded up to 8 (the
  /// taps beyond half_span() are zero; the samples they meet must be finite).
  int channel_major_side() const { return (half_span_ + 7) / 8 * 8; }

  /// Samples per channel in a channel-major chunk: room for a cycle at 8 kSPS
  /// and its windows; longer cycles take several chunks.
  static constexpr std::size_t kChunkSamples = 512;
  static constexpr std::size_t kChunkStorage = 6 * kChunkSamples + 8;
  /// Six channels' samples, channel-major: channel ch's sample k at
  /// samples[ch * kChunkSamples + k], k < length (at most kChunkSamples). A
  /// fixed stride keeps every load's address a constant offset. The storage
  /// holds kChunkStorage samples: the integer loop's odd-sample loads reach
  /// one sample past a window, so past the last channel's end.
  template <typename Sample>
  struct ChannelMajorChunk {
    const Sample* samples;
    std::int64_t length;
  };
  /// Interpolates the grid's points from `first_point` on, for as long as
  /// each point's window (channel_major_side() samples either way) lies in
  /// the chunk; returns the first point not done. Point j's six channels go
  /// to out[6 j .. 6 j + 5], each less offset[ch]. Float: each equals
  /// InterpolateFrames's to float rounding (the sums run in another order).
  /// Q29 integers: the same integer operations as InterpolateFrames (the
  /// coefficients of ComputeCoefsQ29, exact 64-bit sums, one rounding), so
  /// the same bits, then Q31Numeric::Sub of the offset.
  int InterpolateSixChannelMajor(const ChannelMajorChunk<float>& chunk, const PointGrid& grid, int first_point,
                                 const float* offset, float* out) const;
  int InterpolateSixChannelMajor(const ChannelMajorChunk<std::int32_t>& chunk, const PointGrid& grid, int first_point,
                                 const std::int32_t* offset, std::int32_t* out) const;
  /// Copies `count` frames of six 4-byte samples (float or int32), one after
  /// another, channel-major: channel ch's to channels[ch][0 .. count).
  template <typename Sample>
  static void CopyFramesChannelMajor(const Sample* frames, int count, Sample* const* channels);

 private:
  // Where a point's two tap walks start: the nearest table entry below the
  // first tap of each side and the fraction past it, which the side's
  // other taps share (entries S apart). The point u in [0, 1) is u S table
  // steps from the first left tap and (1 - u) S from the first right one.
  struct TapWalk {
    int left_entry;
    int right_entry;
    float left_fraction;
    float right_fraction;
  };
  TapWalk StartWalk(float u) const {
    const float x = u * static_cast<float>(steps_per_sample_);
    int i = static_cast<int>(x);
    float f = x - static_cast<float>(i);
    // u just below 1 can round u S up to S: the same point as entry S - 1
    // at fraction 1, which keeps the right walk inside the table.
    if (i >= steps_per_sample_) {
      i = steps_per_sample_ - 1;
      f = 1.0f;
    }
    return {i, steps_per_sample_ - 1 - i, f, 1.0f - f};
  }

  // The integer walks' start: u table-scaled in Q15 table steps (one float
  // multiply per point), the right side at S in Q15 minus that; each side's
  // first kernel pair and its Q15 fraction past it, which the side's other
  // pairs (S apart) share. The right walk can start at entry S (when the
  // left starts on a whole entry).
  struct TapWalkQ15 {
    int left_entry;
    int right_entry;
    std::int32_t left_fraction;
    std::int32_t right_fraction;
  };
  TapWalkQ15 StartWalkQ15(float u) const {
    const auto left_start = static_cast<std::int32_t>(u * static_cast<float>(scale_q15_));
    const std::int32_t right_start = scale_q15_ - left_start;
    constexpr std::int32_t kFractionMask = (1 << kSincPairFractionBits) - 1;
    return {left_start >> kSincPairFractionBits, right_start >> kSincPairFractionBits, left_start & kFractionMask,
            right_start & kFractionMask};
  }

  // The Q29 coefficient from a kernel pair and the Q15 fraction past it:
  // the pair's linear join (SMLAWB), then times 2 fc (SMMULR): the
  // instructions the Cortex-M4F loop uses, so both give the same bits.
  // (Static, with 2 fc passed in: a member read would be reloaded after
  // every coefficient store, which may alias it.)
  static std::int32_t CoefQ29(const std::int32_t* pair, std::int32_t fraction, std::int32_t two_fc_q31) {
    const std::int32_t kernel =
        pair[0] + static_cast<std::int32_t>((static_cast<std::int64_t>(pair[1]) * fraction) >> 16);
    return static_cast<std::int32_t>((static_cast<std::int64_t>(kernel) * two_fc_q31 + (std::int64_t{1} << 31)) >> 32);
  }

  // acc[ch] += tap * frame[ch].
  template <typename Tap, typename Frame, typename Acc, std::size_t kChannels>
  static void AddTap(Tap tap, const Frame& f, Acc (&acc)[kChannels]) {
#pragma GCC unroll 8
    for (std::size_t ch = 0; ch < kChannels; ++ch) acc[ch] += static_cast<Acc>(tap) * f[ch];
  }

  // The Cortex-M4F forms (sinc_interpolator_arm.cc).
  // `centre` is the frame of sample k0 + 1 (index half_span() of the run).
  void InterpolateSixFloatsBlockLoads(float u, const float* centre, float* out) const;
  // The integer variant: the coefficients in a first pass, then two passes
  // of three channels with 64-bit multiply-accumulates. `first` is the
  // run's first frame; acc gets the unrounded sums.
  void InterpolateSixIntegersBlockLoads(float u, const std::int32_t* first, std::int64_t* acc) const {
    static constexpr std::int64_t kZero[6] = {};
    SixIntegerPasses<false>(u, first, kZero, acc);
  }
  // Both: the coefficient pass, then each pass's three sums from start[ch];
  // kNarrow writes their bits 29-60 as int32 to out[ch * out_stride], else
  // the sums as int64 to out[ch].
  template <bool kNarrow>
  void SixIntegerPasses(float u, const std::int32_t* first, const std::int64_t* start, void* out,
                        std::size_t out_stride = 1) const;
  int SixGridPassesArm(const std::int32_t* frames, int length, const PointGrid& grid, int first_point,
                       const std::int64_t* start, std::int32_t* out) const;

  // The x86 forms' loops (sinc_interpolator_x86.cc), 8-lane vectors a
  // side unrolled (kVectorsPerSide), or any number (0); they read the
  // kernel pairs regrouped by walk, which that file holds for every S.
  template <int kVectorsPerSide>
  int ChannelMajorLoop(const ChannelMajorChunk<float>& chunk, const PointGrid& grid, int first_point,
                       const float* offset, float* out) const;
  template <int kVectorsPerSide>
  int ChannelMajorLoopQ29(const ChannelMajorChunk<std::int32_t>& chunk, const PointGrid& grid, int first_point,
                          const std::int32_t* offset, std::int32_t* out) const;

  float two_fc_ = 0.0f;          // steps_per_sample_ / kPointsPerZero, exact
  int steps_per_sample_ = 0;     // S: kernel-table steps per input sample
  std::int32_t scale_q15_ = 0;   // S in Q15
  std::int32_t two_fc_q31_ = 0;  // 2 fc in Q31 (2 fc = 1 is held at 1 - 2^-31)
  int half_span_ = 0;
  std::int64_t tap_abs_sum_bound_q29_ = 0;
};

}  // namespace meter::dsp
