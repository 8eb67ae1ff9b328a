#include "meter/metering/cycle_resampler.h"

#include <algorithm>
#include <type_traits>

#include "meter/dsp/profile.h"
#include "meter/dsp/target.h"

namespace meter {

template <typename Numeric>
bool CycleResampler<Numeric>::Resample(const History& hist, const SamplePosition& start, const SamplePosition& end,
                                       const Frame& dc_shifts, bool dc_in_sums, CyclePoints& out) const {
  // A local copy: the points' stores cannot alias it, so the shifts stay
  // in registers (read through the reference, every point reloaded them:
  // +7 float instructions a sample set on the Cortex-M4F).
  const Frame dc = dc_shifts;
  const int half = interpolator_.half_span();
  const float step = Span(start, end) / static_cast<float>(dsp::kPointsPerCycle);
  if constexpr (dsp::kX86Avx2) {
    if (interpolator_.channel_major_ready()) return ResampleChannelMajor(hist, start, end, step, dc, out);
  }
  {
    METER_PROFILE_SCOPE(dsp::ProfileRegion::kResample);
    // A point's window that wraps around the end of the history's storage
    // (about one point in ten at 8 kSPS) is copied into one piece, so that
    // every point takes the contiguous loop (block loads on the Cortex-M4F;
    // the same values, so the same results).
    const auto span = static_cast<std::size_t>(2 * half);
    std::array<Frame, kWrapScratchFrames> wrapped;
    std::array<std::int64_t, 6> starts{};  // Q31: the DC shifts as the sums' start
    if constexpr (Numeric::kFixedPoint) dsp::SincInterpolator::OffsetStarts(dc.data(), starts.data());
    for (int j = 0; j < dsp::kPointsPerCycle; ++j) {
      // rel >= 0, so the conversion is the floor (no libm call per point).
      const float rel = start.frac + static_cast<float>(j) * step;
      const int whole = static_cast<int>(rel);
      const auto base = static_cast<std::uint64_t>(start.whole + static_cast<std::int64_t>(whole) - half + 1);
      Sample point[6];
      const float u = rel - static_cast<float>(whole);
      const std::size_t to_end = kHistory - (base & (kHistory - 1));  // frames before the storage wraps
      const bool contiguous = span <= to_end;
      // The Cortex-M4F: the point and the next ones in one grid loop.
      if constexpr (dsp::kArmBlockLoads && Numeric::kFixedPoint) {
        if (dc_in_sums && (contiguous || span <= wrapped.size())) {
          // Nothing can saturate: the DC shifts go into the sums' start. This
          // point and the next ones whose windows lie in the same run of
          // frames in one call: up to the end of the history's storage, or,
          // where this point's window wraps around it, a copy of the frames
          // from its window on, as many as the scratch holds.
          const Frame* run = &hist.At(base);
          std::size_t length = to_end;
          if (!contiguous) {
            CopyFrames(run, to_end, wrapped.data());
            CopyFrames(&hist.At(base + to_end), wrapped.size() - to_end, wrapped.data() + to_end);
            run = wrapped.data();
            length = wrapped.size();
          }
          const dsp::SincInterpolator::PointGrid grid{start.whole - static_cast<std::int64_t>(base), start.frac, step,
                                                      dsp::kPointsPerCycle};
          const int done = interpolator_.InterpolateSixGridFromStarts(run->data(), static_cast<int>(length), grid, j,
                                                                      starts.data(), out[0].data());
          if (done > j) {
            j = done - 1;
            continue;
          }
          // Cannot happen (this point's window lies in the run); if it did,
          // the point takes the one-point path below rather than loop.
        }
      }
      const Frame* frames = contiguous ? &hist.At(base) : nullptr;
      if (frames == nullptr && span <= wrapped.size()) {
        CopyFrames(&hist.At(base), to_end, wrapped.data());
        CopyFrames(&hist.At(base + to_end), span - to_end, wrapped.data() + to_end);
        frames = wrapped.data();
      }
      if constexpr (Numeric::kFixedPoint) {
        if (frames != nullptr && dc_in_sums) {
          // Nothing can saturate: the DC shifts go into the sums' start.
          interpolator_.InterpolateSixFromStarts(u, frames->data(), starts.data(), &out[0][static_cast<std::size_t>(j)],
                                                 dsp::kPointsPerCycle);
          continue;
        }
      }
      if (frames != nullptr) {
        interpolator_.InterpolateFrames<Numeric, 6>(u, dsp::ContiguousRun<Frame>{frames}, point);
      } else {
        hist.ReadRun(base, span, [&](auto frame) { interpolator_.InterpolateFrames<Numeric, 6>(u, frame, point); });
      }
      // Every channel, used or not (an unused one is all zeros, and its
      // points are never transformed): straight-line code, no loop.
      for (std::size_t ch = 0; ch < 6; ++ch) out[ch][static_cast<std::size_t>(j)] = Numeric::Sub(point[ch], dc[ch]);
    }
  }
  return true;
}

template <typename Numeric>
void CycleResampler<Numeric>::CopyFrames(const Frame* from, std::size_t count, Frame* to) {
  if constexpr (dsp::kArmBlockLoads) {
    detail::CopySixWordFramesArm(from, count, to);
  } else {
    for (std::size_t k = 0; k < count; ++k) to[k] = from[k];
  }
}

template <typename Numeric>
bool CycleResampler<Numeric>::ResampleChannelMajor(const History& hist, const SamplePosition& start,
                                                   const SamplePosition& end, float step, const Frame& dc,
                                                   CyclePoints& out) const {
  if constexpr (!dsp::kX86Avx2) {
    // Not called (Resample takes it only behind kX86Avx2); the x86 forms
    // it calls are defined only there.
    return false;
  } else {
    // The cycle's samples copied channel-major a chunk at a time (a few
    // instructions a frame, which saves the resampler far more on every
    // point). A point's window reaches channel_major_side() samples either
    // way of it; the taps past half_span() are zero, and the history samples
    // they meet (older ones, or ones not yet overwritten) are finite.
    constexpr std::size_t kChunk = dsp::SincInterpolator::kChunkSamples;
    static_assert(kChunk >= static_cast<std::size_t>(dsp::SincInterpolator::kMaxTaps),
                  "a chunk holds a point's window");
    alignas(32) Sample chunk[dsp::SincInterpolator::kChunkStorage];
    alignas(32) Sample points[dsp::kPointsPerCycle][6];  // point-major, then copied channel-major
    const std::int64_t side = interpolator_.channel_major_side();
    const std::int64_t needed_end = end.whole + side + 1;  // past the last point's window
    int next = 0;
    while (next < dsp::kPointsPerCycle) {
      // The chunk starts at the next point's window.
      const float rel = start.frac + static_cast<float>(next) * step;
      const std::int64_t chunk_first = start.whole + static_cast<int>(rel) - side + 1;
      const std::int64_t length = std::min<std::int64_t>(static_cast<std::int64_t>(kChunk), needed_end - chunk_first);
      for (std::int64_t copied = 0; copied < length;) {
        const auto n = static_cast<std::uint64_t>(chunk_first + copied);
        // Up to the end of the history's storage, then from its start.
        const auto to_wrap = static_cast<std::int64_t>(kHistory - (n & (kHistory - 1)));
        const std::int64_t count = std::min(length - copied, to_wrap);
        const auto at = static_cast<std::size_t>(copied);
        Sample* const channels[6] = {&chunk[at],
                                     &chunk[kChunk + at],
                                     &chunk[2 * kChunk + at],
                                     &chunk[3 * kChunk + at],
                                     &chunk[4 * kChunk + at],
                                     &chunk[5 * kChunk + at]};
        dsp::SincInterpolator::CopyFramesChannelMajor(hist.At(n).data(), static_cast<int>(count), channels);
        copied += count;
      }
      const dsp::SincInterpolator::ChannelMajorChunk<Sample> samples{chunk, length};
      const dsp::SincInterpolator::PointGrid grid{start.whole - chunk_first, start.frac, step, dsp::kPointsPerCycle};
      const int done = interpolator_.InterpolateSixChannelMajor(samples, grid, next, dc.data(), &points[0][0]);
      if (done == next) {  // cannot happen (a chunk holds any point's window); never loop forever
        return false;
      }
      next = done;
    }
    Sample* const channels[6] = {out[0].data(), out[1].data(), out[2].data(),
                                 out[3].data(), out[4].data(), out[5].data()};
    dsp::SincInterpolator::CopyFramesChannelMajor(&points[0][0], dsp::kPointsPerCycle, channels);
    return true;
  }
}

template class CycleResampler<dsp::FloatNumeric>;
template class CycleResampler<dsp::Q31Numeric>;

}  // namespace meter
