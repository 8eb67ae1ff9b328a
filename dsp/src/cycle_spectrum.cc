#include "meter/dsp/cycle_spectrum.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>

namespace meter::dsp {
namespace {

// Bound of the Q31 sums' stored components (see SubgroupBins). Two bits
// below 2^30 so that every cycle's samples, scaled by the block scale times
// four, fit int32 (AccumulateCycle's one 32-bit pass).
constexpr std::uint64_t kBlockLimit = std::uint64_t{1} << 28;

// Bound of |x * tw| * 2^shift for |x| <= peak and |tw| <= 1, both roundings
// of AccumulateCycle included (at most 5/8 of a unit).
std::uint64_t BlockContribution(std::uint32_t peak, int shift) {
  return (shift >= 0 ? (static_cast<std::uint64_t>(peak) << shift) : (static_cast<std::uint64_t>(peak) >> -shift)) + 2;
}

}  // namespace

namespace detail {

void AccumulateScaledCycleQ31(const std::int32_t* x, int pre, std::int32_t tw_re, std::int32_t tw_im,
                              std::int32_t* fold, std::int32_t* sum) {
  for (int m = 0; m < kPointsPerCycle; ++m) {
    const std::int32_t xs = Q31Numeric::ShiftRounded(x[m], pre);
    fold[2 * m] += Q31Numeric::MulHighRounded(xs, tw_re);
    fold[2 * m + 1] += Q31Numeric::MulHighRounded(xs, tw_im);
    sum[m] += (xs + 2) >> 2;  // |xs| <= 2^30: the rounding add cannot wrap
  }
}

void AccumulateCycleFloat(const float* x, float tw_re, float tw_im, float* fold, float* sum) {
  for (int m = 0; m < kPointsPerCycle; ++m) {
    fold[2 * m] += tw_re * x[m];
    fold[2 * m + 1] += tw_im * x[m];
    sum[m] += x[m];
  }
}

}  // namespace detail

template <typename Numeric>
Status CycleTransform<Numeric>::Init(int cycles_per_window) {
  if (cycles_per_window < 1 || cycles_per_window > kMaxCyclesPerWindow) return Status::kInvalidArgument;
  cycles_ = cycles_per_window;
  if (Status s = fft_.Init(); s != Status::kOk) return s;
  if constexpr (kBatch) {
    if (Status s = batch_.Init(); s != Status::kOk) return s;
  }
  const double two_pi = 6.28318530717958647692;
  const double n_window = static_cast<double>(kPointsPerCycle) * cycles_;
  for (int m = 0; m < kPointsPerCycle; ++m) {
    const double a = -two_pi * m / n_window;
    shift_re_[static_cast<std::size_t>(m)] = Numeric::CoefFromFloat(static_cast<float>(std::cos(a)));
    shift_im_[static_cast<std::size_t>(m)] = Numeric::CoefFromFloat(static_cast<float>(std::sin(a)));
  }
  for (int c = 0; c < kMaxCyclesPerWindow; ++c) {
    const double a = -two_pi * c / cycles_;
    cycle_twiddle_re_[static_cast<std::size_t>(c)] = Numeric::CoefFromFloat(static_cast<float>(std::cos(a)));
    cycle_twiddle_im_[static_cast<std::size_t>(c)] = Numeric::CoefFromFloat(static_cast<float>(std::sin(a)));
  }
  return Status::kOk;
}

template <typename Numeric>
void CycleTransform<Numeric>::AccumulateCycle(const Sample* x, int cycle_index, SubgroupBins<Numeric>& bins) {
  const auto c = static_cast<std::size_t>(cycle_index % cycles_);
  const Coef tw_re = cycle_twiddle_re_[c], tw_im = cycle_twiddle_im_[c];
  Sample* fold = bins.storage_.running.fold.data();
  Sample* sum = bins.storage_.running.sum.data();
  if constexpr (Numeric::kFixedPoint) {
    const std::uint32_t peak = MagnitudeBound(x, kPointsPerCycle);
    if (peak == 0) return;  // a silent cycle adds nothing
    // Lower the block scale until this cycle fits under the bound; halving
    // sums that already hold cycles costs a bit of theirs (rare: only when
    // a later cycle of the window is much larger than the first).
    // The first cycle of a window leaves room for the whole window.
    const std::uint64_t cycles_room = bins.block_bound_ == 0 ? kMaxCyclesPerWindow : 1;
    while (bins.block_bound_ + cycles_room * BlockContribution(peak, bins.block_shift_) >= kBlockLimit) {
      if (bins.block_bound_ != 0) {
        for (auto& v : bins.storage_.running.fold)
          v = static_cast<std::int32_t>((static_cast<std::int64_t>(v) + 1) >> 1);
        for (auto& v : bins.storage_.running.sum)
          v = static_cast<std::int32_t>((static_cast<std::int64_t>(v) + 1) >> 1);
        bins.block_bound_ = bins.block_bound_ / 2 + 1;
      }
      --bins.block_shift_;
    }
    bins.block_bound_ += static_cast<std::uint32_t>(BlockContribution(peak, bins.block_shift_));
    // Q29 x Q30 times 2^shift, rounded, in one 32-bit pass: with xs the
    // sample times 2^(shift + 2), rounded, each fold term is the rounded high
    // word of xs tw (SMMULR on the Cortex-M4F) and each sum term xs / 4,
    // rounded. xs fits: |x| 2^shift < 2^28 (the block limit). For
    // shift >= -2, xs is exact and both terms are the exact products
    // rounded once; below, the rounding of xs adds at most 1/8 of a unit.
    const int pre = bins.block_shift_ + 2;
    if constexpr (kX86Avx2) {
      if (X86HasAvx2Fma()) return detail::AccumulateScaledCycleQ31Avx2(x, pre, tw_re, tw_im, fold, sum);
    }
    if constexpr (kArmBlockLoads) {
      if (pre != -1 || peak < static_cast<std::uint32_t>(std::numeric_limits<std::int32_t>::max())) {
        return detail::AccumulateScaledCycleQ31Arm(x, pre, tw_re, tw_im, fold, sum);
      }
    }
    detail::AccumulateScaledCycleQ31(x, pre, tw_re, tw_im, fold, sum);
  } else {
    if constexpr (kX86Avx2) {
      if (X86HasAvx2Fma()) return detail::AccumulateCycleFloatAvx2(x, tw_re, tw_im, fold, sum);
    }
    detail::AccumulateCycleFloat(x, tw_re, tw_im, fold, sum);
  }
}

template <typename Numeric>
void CycleTransform<Numeric>::FinishWindow(float scale, SubgroupBins<Numeric>& bins) {
  float unit = scale;  // of one stored unit
  if constexpr (Numeric::kFixedPoint) unit = std::ldexp(scale, -bins.block_shift_);
  // The centre bins first, kept aside while the fold's transform reuses the
  // transform's output; then both are written over the consumed sums.
  std::array<ComplexF, kMaxHarmonicOrder + 1> centre;
  fft_.Real(bins.storage_.running.sum.data(), unit);
  for (int h = 1; h <= kMaxHarmonicOrder; ++h) centre[static_cast<std::size_t>(h)] = fft_.Bin(h);
  if constexpr (Numeric::kFixedPoint) unit = std::ldexp(unit, -Q31Numeric::kSampleBits);
  fft_.ShiftedComplexInPlace(bins.storage_.running.fold.data(), shift_re_.data(), shift_im_.data(), unit);
  StoreBins(bins, centre, [&](int k) { return fft_.Bin(k); });
}

template <typename Numeric>
template <typename FoldBin>
void CycleTransform<Numeric>::StoreBins(SubgroupBins<Numeric>& bins,
                                        const std::array<ComplexF, kMaxHarmonicOrder + 1>& centre, FoldBin fold_bin) {
  bins.storage_.bins = {};  // the sums are consumed: their memory now holds the bins
  for (int h = 1; h <= kMaxHarmonicOrder; ++h) {
    bins.at(h, -1) = Conj(fold_bin(kPointsPerCycle - h));
    bins.at(h, 0) = centre[static_cast<std::size_t>(h)];
    bins.at(h, 1) = fold_bin(h);
  }
  bins.finished_ = true;
}

template <typename Numeric>
void CycleTransform<Numeric>::FinishWindows(const float* scale, SubgroupBins<Numeric>* const* bins, int count) {
  if constexpr (kBatch) {
    // FinishWindow's steps, a lane per channel.
    constexpr int kLanes = CycleFftBatch::kLanes;
    for (int first = 0; first < count; first += kLanes) {
      const int lanes = std::min(kLanes, count - first);
      const float* sums[kLanes] = {};
      const float* folds[kLanes] = {};
      for (int lane = 0; lane < lanes; ++lane) {
        sums[lane] = bins[first + lane]->storage_.running.sum.data();
        folds[lane] = bins[first + lane]->storage_.running.fold.data();
      }
      std::array<std::array<ComplexF, kMaxHarmonicOrder + 1>, kLanes> centre;
      batch_.Real(sums, lanes, scale + first);
      for (int lane = 0; lane < lanes; ++lane) {
        for (int h = 1; h <= kMaxHarmonicOrder; ++h)
          centre[static_cast<std::size_t>(lane)][static_cast<std::size_t>(h)] = batch_.Bin(lane, h);
      }
      batch_.ShiftedComplex(folds, lanes, shift_re_.data(), shift_im_.data(), scale + first);
      for (int lane = 0; lane < lanes; ++lane) {
        StoreBins(*bins[first + lane], centre[static_cast<std::size_t>(lane)],
                  [&](int k) { return batch_.Bin(lane, k); });
      }
    }
    return;
  }
  for (int c = 0; c < count; ++c) FinishWindow(scale[c], *bins[c]);
}

template class CycleTransform<FloatNumeric>;
template class CycleTransform<Q31Numeric>;

}  // namespace meter::dsp
