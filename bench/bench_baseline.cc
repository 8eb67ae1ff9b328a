// The baseline: the straightforward double-precision code a user would
// write for the same quantities, measured in the same run so the ratio
// holds on a noisy machine. Fixed 1600-sample windows (10 nominal cycles,
// no synchronisation), per-window sums, THD(31) on all nine channels by a
// full-window DFT at each harmonic, Q from the same DFT, energy in double.
#include <benchmark/benchmark.h>

#include <array>
#include <cmath>
#include <complex>
#include <vector>

#include "meter/metering/meter.h"

namespace {

constexpr int kWindow = 1600;
constexpr int kOrders = 31;

struct BaselineMeter {
  std::array<std::array<double, kWindow>, 9> samples{};  // va vb vc ia ib ic vab vbc vca
  std::array<double, kWindow> cos_table{}, sin_table{};
  int n = 0;
  double sum_vv[3] = {}, sum_ii[3] = {}, sum_vi[3] = {}, sum_ll[3] = {}, sum_nn = 0;
  double kwh = 0, kvarh = 0;
  double thd[9] = {}, q[3] = {}, f_hz = 0;
  double last_va = 0;
  int crossings = 0;

  BaselineMeter() {
    for (int k = 0; k < kWindow; ++k) {
      cos_table[static_cast<std::size_t>(k)] = std::cos(2 * 3.14159265358979323846 * k / kWindow);
      sin_table[static_cast<std::size_t>(k)] = std::sin(2 * 3.14159265358979323846 * k / kWindow);
    }
  }

  void Process(const meter::SampleFrame& f) {
    const auto un = static_cast<std::size_t>(n);
    for (int p = 0; p < 3; ++p) {
      const auto up = static_cast<std::size_t>(p);
      const double v = f.v[up], i = f.i[up];
      sum_vv[p] += v * v;
      sum_ii[p] += i * i;
      sum_vi[p] += v * i;
      samples[up][un] = v;
      samples[3 + up][un] = i;
      const double ll = v - f.v[(up + 1) % 3];
      samples[6 + up][un] = ll;
      sum_ll[p] += ll * ll;
    }
    const double in = static_cast<double>(f.i[0]) + f.i[1] + f.i[2];
    sum_nn += in * in;
    if (last_va < 0 && f.v[0] >= 0) ++crossings;
    last_va = f.v[0];
    if (++n == kWindow) CloseWindow();
  }

  void CloseWindow() {
    std::array<std::array<std::complex<double>, kOrders + 1>, 9> bins{};
    for (int ch = 0; ch < 9; ++ch) {
      for (int h = 1; h <= kOrders; ++h) {
        std::complex<double> acc;
        const int bin = 10 * h;
        for (int k = 0; k < kWindow; ++k) {
          const auto idx = static_cast<std::size_t>((bin * k) % kWindow);
          acc += samples[static_cast<std::size_t>(ch)][static_cast<std::size_t>(k)] *
                 std::complex<double>(cos_table[idx], -sin_table[idx]);
        }
        bins[static_cast<std::size_t>(ch)][static_cast<std::size_t>(h)] = acc;
      }
      double harm = 0;
      for (int h = 2; h <= kOrders; ++h)
        harm += std::norm(bins[static_cast<std::size_t>(ch)][static_cast<std::size_t>(h)]);
      thd[ch] = 100.0 * std::sqrt(harm) / std::abs(bins[static_cast<std::size_t>(ch)][1]);
    }
    const double scale = 2.0 / (static_cast<double>(kWindow) * kWindow);
    for (int p = 0; p < 3; ++p) {
      q[p] = 0;
      for (int h = 1; h <= kOrders; ++h) {
        q[p] += scale * std::imag(bins[static_cast<std::size_t>(p)][static_cast<std::size_t>(h)] *
                                  std::conj(bins[static_cast<std::size_t>(3 + p)][static_cast<std::size_t>(h)]));
      }
      kwh += sum_vi[p] / kWindow * 0.2 / 3.6e6;
      kvarh += q[p] * 0.2 / 3.6e6;
      sum_vv[p] = sum_ii[p] = sum_vi[p] = sum_ll[p] = 0;
    }
    f_hz = crossings / 0.2;
    sum_nn = 0;
    crossings = 0;
    n = 0;
  }
};

void BM_Baseline3P4W_Double(benchmark::State& state) {
  static BaselineMeter m;
  std::vector<meter::SampleFrame> frames(16000);
  const double pi = 3.14159265358979323846;
  for (std::size_t k = 0; k < frames.size(); ++k) {
    const double wt = 2 * pi * 50.02 * static_cast<double>(k) / 8000.0;
    for (int p = 0; p < 3; ++p) {
      const double s = -2 * pi / 3 * p;
      frames[k].v[static_cast<std::size_t>(p)] =
          static_cast<float>(325.3 * std::cos(wt + s) + 16.3 * std::cos(5 * (wt + s)));
      frames[k].i[static_cast<std::size_t>(p)] =
          static_cast<float>(7.07 * std::cos(wt + s - 0.5) + 2.8 * std::cos(5 * (wt + s)));
    }
  }
  std::size_t k = 0;
  for (auto _ : state) {
    m.Process(frames[k]);
    if (++k == frames.size()) k = 0;
  }
  benchmark::DoNotOptimize(m.kwh);
  state.counters["realtime_x"] =
      benchmark::Counter(static_cast<double>(state.iterations()) / 8000.0, benchmark::Counter::kIsRate);
  state.counters["bytes"] = static_cast<double>(sizeof(BaselineMeter));
}

}  // namespace

BENCHMARK(BM_Baseline3P4W_Double);
