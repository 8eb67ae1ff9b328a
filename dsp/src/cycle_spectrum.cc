#include "meter/dsp/cycle_spectrum.h"

#include <cmath>
#include <type_traits>

namespace meter::dsp {
namespace {

// Bound of a Q31 fold's stored components (see SubgroupBins).
constexpr std::uint64_t kFoldLimit = std::uint64_t{1} << 30;

// Bound of |x * tw| * 2^shift for |x| <= peak and |tw| <= 1, rounding included.
std::uint64_t FoldContribution(std::uint32_t peak, int shift) {
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
void CycleTransform<Numeric>::AccumulateCycle(const Sample* x, int cycle_index, float scale,
                                              SubgroupBins<Numeric>& bins) {
  fft_.Real(x, scale, real_out_.data());
  for (int h = 1; h <= kMaxHarmonicOrder; ++h) {
    const auto uh = static_cast<std::size_t>(h);
    bins.centre_[uh] = bins.centre_[uh] + real_out_[uh];
  }

  const auto c = static_cast<std::size_t>(cycle_index % cycles_);
  const Coef tw_re = cycle_twiddle_re_[c], tw_im = cycle_twiddle_im_[c];
  Sample* fold = bins.storage_.fold.data();
  if constexpr (std::is_same_v<Numeric, Q31Numeric>) {
    const std::uint32_t peak = fft_.last_real_peak();
    if (peak == 0) return;  // a silent cycle adds nothing
    // Lower the fold's scale until this cycle fits under the bound; halving
    // a fold that already holds cycles costs a bit of theirs (rare: only when
    // a later cycle of the window is much larger than the first).
    // The first cycle of a window leaves room for the whole window.
    const std::uint64_t cycles_room = bins.fold_bound_ == 0 ? kMaxCyclesPerWindow : 1;
    while (bins.fold_bound_ + cycles_room * FoldContribution(peak, bins.fold_shift_) >= kFoldLimit) {
      if (bins.fold_bound_ != 0) {
        for (auto& v : bins.storage_.fold) v = static_cast<std::int32_t>((static_cast<std::int64_t>(v) + 1) >> 1);
        bins.fold_bound_ = bins.fold_bound_ / 2 + 1;
      }
      --bins.fold_shift_;
    }
    bins.fold_bound_ += static_cast<std::uint32_t>(FoldContribution(peak, bins.fold_shift_));
    // Q29 x Q30 times 2^shift, rounded.
    const int right = Q31Numeric::kCoefBits - bins.fold_shift_;
    const std::int64_t half = right > 0 ? std::int64_t{1} << (right - 1) : 0;
    for (int m = 0; m < kPointsPerCycle; ++m) {
      const std::int64_t xm = x[m];
      fold[2 * m] += static_cast<std::int32_t>((xm * tw_re + half) >> right);
      fold[2 * m + 1] += static_cast<std::int32_t>((xm * tw_im + half) >> right);
    }
  } else {
    for (int m = 0; m < kPointsPerCycle; ++m) {
      fold[2 * m] += tw_re * x[m];
      fold[2 * m + 1] += tw_im * x[m];
    }
  }
}

template <typename Numeric>
void CycleTransform<Numeric>::FinishWindow(float scale, SubgroupBins<Numeric>& bins) {
  float unit = scale;  // of one stored fold unit
  if constexpr (std::is_same_v<Numeric, Q31Numeric>) {
    unit = std::ldexp(scale, -(Q31Numeric::kSampleBits + bins.fold_shift_));
  }
  fft_.ShiftedComplexInPlace(bins.storage_.fold.data(), shift_re_.data(), shift_im_.data(), unit);
  bins.storage_.neighbours = {};  // the fold is consumed: its memory now holds the neighbours
  for (int h = 1; h <= kMaxHarmonicOrder; ++h) {
    bins.at(h, 1) = fft_.Bin(h);
    bins.at(h, -1) = Conj(fft_.Bin(kPointsPerCycle - h));
  }
  bins.finished_ = true;
}

template class CycleTransform<FloatNumeric>;
template class CycleTransform<Q31Numeric>;

}  // namespace meter::dsp
