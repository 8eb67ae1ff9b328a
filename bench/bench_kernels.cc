// Per-kernel costs, float and Q31: the pieces of the per-sample, per-cycle
// and per-window paths measured alone.
#include <benchmark/benchmark.h>

#include <array>
#include <cmath>
#include <vector>

#include "meter/dsp/biquad.h"
#include "meter/dsp/cycle_spectrum.h"
#include "meter/dsp/edge_integrator.h"
#include "meter/dsp/fractional_delay.h"
#include "meter/dsp/numeric.h"
#include "meter/dsp/ring_buffer.h"
#include "meter/dsp/sinc_interpolator.h"
#include "meter/dsp/zero_crossing.h"

namespace {

using meter::dsp::FloatNumeric;
using meter::dsp::Q31Numeric;

template <typename N>
std::vector<typename N::Sample> Wave(int n, double cycles_per_sample = 50.0 / 8000.0) {
  std::vector<typename N::Sample> x(static_cast<std::size_t>(n));
  for (int k = 0; k < n; ++k) {
    x[static_cast<std::size_t>(k)] =
        N::FromFloat(static_cast<float>(0.7 * std::cos(2 * 3.14159265358979 * cycles_per_sample * k) +
                                        0.05 * std::cos(2 * 3.14159265358979 * 5 * cycles_per_sample * k)));
  }
  return x;
}

// Power/rms accumulation: the products and edge-exact sums of one phase
// (v^2, i^2, v*i), per sample.
template <typename N>
void BM_PowerRmsAccumulation(benchmark::State& state) {
  const auto v = Wave<N>(4096), i = Wave<N>(4096, 51.0 / 8000.0);
  meter::dsp::EdgeIntegrator<N> vv, ii, vi;
  std::size_t k = 0;
  for (auto _ : state) {
    vv.Add(N::Mul(v[k], v[k]));
    ii.Add(N::Mul(i[k], i[k]));
    vi.Add(N::Mul(v[k], i[k]));
    k = (k + 1) & 4095;
  }
  // All three sums are read, or the compiler drops the two it can see are
  // unused (until round 15 only v^2 reached DoNotOptimize, and the i^2 and
  // v*i sums were not timed).
  benchmark::DoNotOptimize(vv.SplitAndAdd(N::Mul(v[4095], v[4095]), N::Mul(v[0], v[0]), 0.5f));
  benchmark::DoNotOptimize(ii.SplitAndAdd(N::Mul(i[4095], i[4095]), N::Mul(i[0], i[0]), 0.5f));
  benchmark::DoNotOptimize(vi.SplitAndAdd(N::Mul(v[4095], i[4095]), N::Mul(v[0], i[0]), 0.5f));
}

// DC removal: the running shift applied per sample (the exact removal is a
// per-window covariance, a few operations per window).
template <typename N>
void BM_DcRemoval(benchmark::State& state) {
  const auto v = Wave<N>(4096);
  const typename N::Sample dc = N::FromFloat(0.01f);
  std::size_t k = 0;
  typename N::Sample out{};
  for (auto _ : state) {
    out = N::Sub(v[k], dc);
    benchmark::DoNotOptimize(out);
    k = (k + 1) & 4095;
  }
}

// Phase compensation: the cubic Lagrange fractional delay, per sample.
template <typename N>
void BM_PhaseCompensation(benchmark::State& state) {
  const auto x = Wave<N>(4096 + 4);
  const auto taps = meter::dsp::LagrangeTaps<N>::ForFraction(0.37f);
  std::size_t k = 1;
  for (auto _ : state) {
    benchmark::DoNotOptimize(taps.Apply(x[k - 1], x[k], x[k + 1], x[k + 2]));
    k = k == 4096 ? 1 : k + 1;
  }
}

// Frequency: the band-passed zero-crossing detector, per sample.
template <typename N>
void BM_Frequency(benchmark::State& state) {
  const auto x = Wave<N>(4096);
  std::array<meter::dsp::Biquad<N>, 2> bp;
  for (auto& b : bp) (void)b.InitBandPass(50.0f, 1.0f, 8000.0f);
  meter::dsp::ZeroCrossingDetector<typename N::Sample> zc;
  zc.SetHysteresis(N::ForFilter(N::FromFloat(0.01f)));
  std::size_t k = 0;
  float frac = 0;
  for (auto _ : state) {
    auto y = N::ForFilter(x[k]);
    for (auto& b : bp) y = b.Process(y);
    benchmark::DoNotOptimize(zc.Process(y, frac));
    k = (k + 1) & 4095;
  }
}

// Resampler: one output point of six channels (taps computed inside the
// frame dot product, as the meter does), 128 of them per cycle.
template <typename N>
void BM_ResamplerPoint(benchmark::State& state) {
  meter::dsp::SincInterpolator interp;
  (void)interp.Init(0.45f * 5760.0f / 8000.0f);
  std::vector<std::array<typename N::Sample, 6>> frames(64);
  const auto w = Wave<N>(64);
  for (std::size_t k = 0; k < 64; ++k) frames[k].fill(w[k]);
  const std::array<typename N::Sample, 6>* run = frames.data();
  typename N::Sample out[6];
  float u = 0.1f;
  for (auto _ : state) {
    // A contiguous run, as the meter's history hands over: the frame loop
    // (block loads on the Cortex-M4F, portable elsewhere; an x86 host with
    // AVX2 resamples channel-major, BM_ResamplerPointChannelMajor).
    interp.InterpolateFrames<N, 6>(u, meter::dsp::ContiguousRun<std::array<typename N::Sample, 6>>{run}, out);
    benchmark::DoNotOptimize(out);
    u = u > 0.9f ? 0.05f : u + 0.0137f;
  }
  state.counters["taps"] = interp.tap_count();
}

#if METER_DSP_X86_AVX2
// The x86 host's float resampler as the meter runs it: a 50 Hz cycle's 128
// points over six channels copied channel-major, and the points copied
// channel-major in turn (both copies included), per point.
void BM_ResamplerPointChannelMajor(benchmark::State& state) {
  meter::dsp::SincInterpolator interp;
  (void)interp.Init(0.45f * 5760.0f / 8000.0f);
  if (!interp.channel_major_ready()) {
    state.SkipWithError("this CPU lacks AVX2 or FMA");
    return;
  }
  constexpr std::size_t kFrames = 200;
  std::vector<std::array<float, 6>> frames(kFrames);
  const auto w = Wave<meter::dsp::FloatNumeric>(kFrames);
  for (std::size_t k = 0; k < kFrames; ++k) frames[k].fill(w[k]);
  alignas(32) static float chunk[6][meter::dsp::SincInterpolator::kChunkSamples];
  static std::array<std::array<float, 6>, meter::dsp::kPointsPerCycle> points;
  static std::array<std::array<float, meter::dsp::kPointsPerCycle>, 6> cycle;
  float* const channels[6] = {&chunk[0][0], &chunk[1][0], &chunk[2][0], &chunk[3][0], &chunk[4][0], &chunk[5][0]};
  float* const cycle_channels[6] = {cycle[0].data(), cycle[1].data(), cycle[2].data(),
                                    cycle[3].data(), cycle[4].data(), cycle[5].data()};
  const float offset[6] = {};
  const meter::dsp::SincInterpolator::PointGrid grid{interp.channel_major_side(), 0.3f, 8000.0f / 50.0f / 128.0f,
                                                     meter::dsp::kPointsPerCycle};
  for (auto _ : state) {
    meter::dsp::SincInterpolator::CopyFramesChannelMajor(frames[0].data(), static_cast<int>(kFrames), channels);
    benchmark::DoNotOptimize(
        interp.InterpolateSixChannelMajor({&chunk[0][0], kFrames}, grid, 0, offset, points[0].data()));
    meter::dsp::SincInterpolator::CopyFramesChannelMajor(points[0].data(), meter::dsp::kPointsPerCycle, cycle_channels);
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * meter::dsp::kPointsPerCycle);
  state.counters["ns_per_point"] =
      benchmark::Counter(static_cast<double>(state.iterations()) * meter::dsp::kPointsPerCycle * 1e-9,
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_ResamplerPointChannelMajor);
#endif

// FFT/THD: one channel's cycle added into its window's sum and fold, and a
// tenth of its window's close (the sum's real and the fold's complex
// 128-point FFT into the subgroup bins), the per-cycle harmonic cost.
template <typename N>
void BM_CycleFftThd(benchmark::State& state) {
  static meter::dsp::CycleTransform<N> t;
  (void)t.Init(10);
  const auto x = Wave<N>(128, 1.0 / 128.0);
  static meter::dsp::SubgroupBins<N> bins;
  bins.Reset();
  int c = 0;
  for (auto _ : state) {
    t.AccumulateCycle(x.data(), c, bins);
    if (++c == 10) {
      t.FinishWindow(1.0f, bins);
      benchmark::DoNotOptimize(bins.at(1, 1));
      bins.Reset();
      c = 0;
    }
  }
  benchmark::DoNotOptimize(bins.at(1, 0));
}

// 90-degree shift: Budeanu Q of one phase from the window's spectrum, the
// voltage turned by 90 degrees at every analysed bin (orders 1..50, three
// bins each): Im(V conj I) summed. Once per window and phase.
void BM_NinetyDegreeShiftQ(benchmark::State& state) {
  meter::dsp::HarmonicBins v, i;
  for (int h = 1; h <= meter::dsp::kMaxHarmonicOrder; ++h) {
    for (int d = -1; d <= 1; ++d) {
      v.at(h, d) = {static_cast<float>(1.0 / h), static_cast<float>(0.1 * d)};
      i.at(h, d) = {static_cast<float>(0.5 / h), static_cast<float>(-0.2 / h)};
    }
  }
  for (auto _ : state) {
    float q = 0.0f;
    for (int h = 1; h <= meter::dsp::kMaxHarmonicOrder; ++h) {
      for (int d = -1; d <= 1; ++d) q += meter::dsp::CrossIm(v.at(h, d), i.at(h, d));
    }
    benchmark::DoNotOptimize(q);
  }
}

}  // namespace

BENCHMARK(BM_NinetyDegreeShiftQ);
BENCHMARK_TEMPLATE(BM_DcRemoval, FloatNumeric);
BENCHMARK_TEMPLATE(BM_DcRemoval, Q31Numeric);
BENCHMARK_TEMPLATE(BM_PhaseCompensation, FloatNumeric);
BENCHMARK_TEMPLATE(BM_PhaseCompensation, Q31Numeric);
BENCHMARK_TEMPLATE(BM_PowerRmsAccumulation, FloatNumeric);
BENCHMARK_TEMPLATE(BM_PowerRmsAccumulation, Q31Numeric);
BENCHMARK_TEMPLATE(BM_Frequency, FloatNumeric);
BENCHMARK_TEMPLATE(BM_Frequency, Q31Numeric);
BENCHMARK_TEMPLATE(BM_ResamplerPoint, FloatNumeric);
BENCHMARK_TEMPLATE(BM_ResamplerPoint, Q31Numeric);
BENCHMARK_TEMPLATE(BM_CycleFftThd, FloatNumeric);
BENCHMARK_TEMPLATE(BM_CycleFftThd, Q31Numeric);
