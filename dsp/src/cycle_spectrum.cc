#include "meter/dsp/cycle_spectrum.h"

#include <cmath>

#include "kiss_fft.h"
#include "kiss_fftr.h"

static_assert(sizeof(meter::dsp::ComplexF) == sizeof(kiss_fft_cpx), "layouts must match");

namespace meter::dsp {

Status CycleTransform::Init(int cycles_per_window) {
  if (cycles_per_window < 1 || cycles_per_window > kMaxCyclesPerWindow) return Status::kInvalidArgument;
  cycles_ = cycles_per_window;

  // KissFFT's two-call allocation: ask for the size, then place the plan in
  // our arena. Nothing is allocated on the heap.
  std::size_t real_len = 0, complex_len = 0;
  kiss_fftr_alloc(kPointsPerCycle, 0, nullptr, &real_len);
  kiss_fft_alloc(kPointsPerCycle, 0, nullptr, &complex_len);
  real_len = (real_len + 15u) & ~static_cast<std::size_t>(15u);
  if (real_len + complex_len > kArenaBytes) return Status::kResourceExhausted;
  std::size_t len = real_len;
  real_plan_ = kiss_fftr_alloc(kPointsPerCycle, 0, arena_, &len);
  len = complex_len;
  complex_plan_ = kiss_fft_alloc(kPointsPerCycle, 0, arena_ + real_len, &len);
  if (real_plan_ == nullptr || complex_plan_ == nullptr) return Status::kResourceExhausted;

  const double two_pi = 6.28318530717958647692;
  const double n_window = static_cast<double>(kPointsPerCycle) * cycles_;
  for (int m = 0; m < kPointsPerCycle; ++m) {
    const double a = -two_pi * m / n_window;
    shift_[static_cast<std::size_t>(m)] = {static_cast<float>(std::cos(a)), static_cast<float>(std::sin(a))};
  }
  for (int c = 0; c < kMaxCyclesPerWindow; ++c) {
    const double a = -two_pi * c / cycles_;
    cycle_twiddle_[static_cast<std::size_t>(c)] = {static_cast<float>(std::cos(a)), static_cast<float>(std::sin(a))};
  }
  return Status::kOk;
}

void CycleTransform::AccumulateCycle(const float* x, int cycle_index, int max_order, HarmonicBins& bins) {
  auto* real_out = reinterpret_cast<kiss_fft_cpx*>(real_out_.data());
  kiss_fftr(real_plan_, x, real_out);
  for (int m = 0; m < kPointsPerCycle; ++m) {
    shifted_in_[static_cast<std::size_t>(m)] = shift_[static_cast<std::size_t>(m)] * x[m];
  }
  kiss_fft(complex_plan_, reinterpret_cast<const kiss_fft_cpx*>(shifted_in_.data()),
           reinterpret_cast<kiss_fft_cpx*>(shifted_out_.data()));

  const ComplexF tw = cycle_twiddle_[static_cast<std::size_t>(cycle_index % cycles_)];
  const ComplexF tw_conj = Conj(tw);
  for (int h = 1; h <= max_order; ++h) {
    const auto uh = static_cast<std::size_t>(h);
    bins.at(h, 0) = bins.at(h, 0) + real_out_[uh];
    bins.at(h, 1) = bins.at(h, 1) + tw * shifted_out_[uh];
    bins.at(h, -1) = bins.at(h, -1) + tw_conj * Conj(shifted_out_[kPointsPerCycle - uh]);
  }
}

}  // namespace meter::dsp
