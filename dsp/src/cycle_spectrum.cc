#include "meter/dsp/cycle_spectrum.h"

#include <cmath>
#include <type_traits>

namespace meter::dsp {
namespace {

// Bound of the Q31 sums' stored components (see SubgroupBins).
constexpr std::uint64_t kBlockLimit = std::uint64_t{1} << 30;

// Bound of |x * tw| * 2^shift for |x| <= peak and |tw| <= 1, rounding included.
std::uint64_t BlockContribution(std::uint32_t peak, int shift) {
  return (shift >= 0 ? (static_cast<std::uint64_t>(peak) << shift) : (static_cast<std::uint64_t>(peak) >> -shift)) + 1;
}

}  // namespace

template <typename Numeric>
Status CycleTransform<Numeric>::Init(int cycles_per_window) {
  if (cycles_per_window < 1 || cycles_per_window > kMaxCyclesPerWindow) return Status::kInvalidArgument;
  cycles_ = cycles_per_window;
  if (Status s = fft_.Init(); s != Status::kOk) return s;
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
  if constexpr (std::is_same_v<Numeric, Q31Numeric>) {
    const std::uint32_t peak = MagnitudeBound(x, kPointsPerCycle);
    if (peak == 0) return;  // a silent cycle adds nothing
    // Lower the block scale until this cycle fits under the bound; halving
    // sums that already hold cycles costs a bit of theirs (rare: only when
    // a later cycle of the window is much larger than the first).
    // The first cycle of a window leaves room for the whole window.
    const std::uint64_t cycles_room = bins.block_bound_ == 0 ? kMaxCyclesPerWindow : 1;
    while (bins.block_bound_ + cycles_room * BlockContribution(peak, bins.block_shift_) >= kBlockLimit) {
      if (bins.block_bound_ != 0) {
        for (auto& v : bins.storage_.running.fold) v = static_cast<std::int32_t>((static_cast<std::int64_t>(v) + 1) >> 1);
        for (auto& v : bins.storage_.running.sum) v = static_cast<std::int32_t>((static_cast<std::int64_t>(v) + 1) >> 1);
        bins.block_bound_ = bins.block_bound_ / 2 + 1;
      }
      --bins.block_shift_;
    }
    bins.block_bound_ += static_cast<std::uint32_t>(BlockContribution(peak, bins.block_shift_));
    // Q29 x Q30 times 2^shift, rounded. The sum is x times 2^shift, rounded
    // the same way (a twiddle of exactly one).
    const int shift = bins.block_shift_;
    const int pre = shift + 2;
    if (pre >= 0 && (static_cast<std::uint64_t>(peak) << pre) + 2 < (std::uint64_t{1} << 31)) {
      // The usual case, in one pass and 32 bits: with xs = x 2^(shift + 2),
      // (x tw + 2^(right - 1)) >> right (right = 30 - shift) is the rounded
      // high word of xs tw (SMMULR), and x 2^shift rounded is (xs + 2) >> 2.
      // xs + 2 fits: |x| <= peak. The same bits as the general form below.
      for (int m = 0; m < kPointsPerCycle; ++m) {
        const auto xs = static_cast<std::int32_t>(static_cast<std::uint32_t>(x[m]) << pre);
        fold[2 * m] += Q31Numeric::MulHighRounded(xs, tw_re);
        fold[2 * m + 1] += Q31Numeric::MulHighRounded(xs, tw_im);
        sum[m] += (xs + 2) >> 2;
      }
      return;
    }
    // A peak near the block limit, or a block scale below 2^-2.
    const int right = Q31Numeric::kCoefBits - shift;
    const std::int64_t half = right > 0 ? std::int64_t{1} << (right - 1) : 0;
    for (int m = 0; m < kPointsPerCycle; ++m) {
      const std::int64_t xm = x[m];
      fold[2 * m] += static_cast<std::int32_t>((xm * tw_re + half) >> right);
      fold[2 * m + 1] += static_cast<std::int32_t>((xm * tw_im + half) >> right);
    }
    if (shift >= 0) {
      for (int m = 0; m < kPointsPerCycle; ++m) sum[m] += static_cast<std::int32_t>(static_cast<std::uint32_t>(x[m]) << shift);
    } else {
      const std::int64_t sum_half = std::int64_t{1} << (-shift - 1);
      for (int m = 0; m < kPointsPerCycle; ++m) sum[m] += static_cast<std::int32_t>((x[m] + sum_half) >> -shift);
    }
  } else {
    for (int m = 0; m < kPointsPerCycle; ++m) {
      fold[2 * m] += tw_re * x[m];
      fold[2 * m + 1] += tw_im * x[m];
      sum[m] += x[m];
    }
  }
}

template <typename Numeric>
void CycleTransform<Numeric>::FinishWindow(float scale, SubgroupBins<Numeric>& bins) {
  float unit = scale;  // of one stored unit
  if constexpr (std::is_same_v<Numeric, Q31Numeric>) unit = std::ldexp(scale, -bins.block_shift_);
  // The centre bins first, kept aside while the fold's transform reuses the
  // transform's output; then both are written over the consumed sums.
  std::array<ComplexF, kMaxHarmonicOrder + 1> centre;
  fft_.Real(bins.storage_.running.sum.data(), unit);
  for (int h = 1; h <= kMaxHarmonicOrder; ++h) centre[static_cast<std::size_t>(h)] = fft_.Bin(h);
  if constexpr (std::is_same_v<Numeric, Q31Numeric>) unit = std::ldexp(unit, -Q31Numeric::kSampleBits);
  fft_.ShiftedComplexInPlace(bins.storage_.running.fold.data(), shift_re_.data(), shift_im_.data(), unit);
  bins.storage_.bins = {};  // the sums are consumed: their memory now holds the bins
  for (int h = 1; h <= kMaxHarmonicOrder; ++h) {
    bins.at(h, -1) = Conj(fft_.Bin(kPointsPerCycle - h));
    bins.at(h, 0) = centre[static_cast<std::size_t>(h)];
    bins.at(h, 1) = fft_.Bin(h);
  }
  bins.finished_ = true;
}

template class CycleTransform<FloatNumeric>;
template class CycleTransform<Q31Numeric>;

}  // namespace meter::dsp
