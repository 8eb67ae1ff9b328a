#include "meter/dsp/cycle_spectrum.h"

#include <cmath>

namespace meter::dsp {

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
    cycle_twiddle_[static_cast<std::size_t>(c)] = {static_cast<float>(std::cos(a)), static_cast<float>(std::sin(a))};
  }
  return Status::kOk;
}

template <typename Numeric>
void CycleTransform<Numeric>::AccumulateCycle(const Sample* x, int cycle_index, int max_order, float scale,
                                              HarmonicBins& bins) {
  fft_.Real(x, real_out_.data());
  for (auto& c : real_out_) c = c * scale;
  fft_.ShiftedComplex(x, shift_re_.data(), shift_im_.data(), shifted_out_.data());

  const ComplexF tw = cycle_twiddle_[static_cast<std::size_t>(cycle_index % cycles_)] * scale;
  const ComplexF tw_conj = Conj(tw);
  for (int h = 1; h <= max_order; ++h) {
    const auto uh = static_cast<std::size_t>(h);
    bins.at(h, 0) = bins.at(h, 0) + real_out_[uh];
    bins.at(h, 1) = bins.at(h, 1) + tw * shifted_out_[uh];
    bins.at(h, -1) = bins.at(h, -1) + tw_conj * Conj(shifted_out_[kPointsPerCycle - uh]);
  }
}

template class CycleTransform<FloatNumeric>;
template class CycleTransform<Q31Numeric>;

}  // namespace meter::dsp
