// Whole-meter throughput on a recorded-style 8 kSPS signal with harmonics:
// every sample through the energy meter (the full pipeline, THD(31) on all
// channels every window, every cycle into all energy registers).
// realtime_x = seconds of signal per second of CPU; per_sample_set = CPU
// time per sample set; bytes = one energy meter instance.
#include <benchmark/benchmark.h>

#include <cmath>
#include <span>
#include <type_traits>
#include <vector>

#include "meter/metering/energy_meter.h"
#include "meter/metering/meter.h"

namespace {

constexpr double kRate = 8000.0;
constexpr int kSeconds = 2;
constexpr std::size_t kBlockFrames = 80;  // 10 ms at 8 kSPS, the firmware images' DMA block

std::vector<meter::SampleFrame> RecordedStyleSignal() {
  std::vector<meter::SampleFrame> frames(static_cast<std::size_t>(kRate * kSeconds));
  const double pi = 3.14159265358979323846;
  for (std::size_t k = 0; k < frames.size(); ++k) {
    const double wt = 2 * pi * 50.02 * static_cast<double>(k) / kRate;
    for (int p = 0; p < 3; ++p) {
      const double s = -2 * pi / 3 * p;
      frames[k].v[static_cast<std::size_t>(p)] =
          static_cast<float>(325.3 * std::cos(wt + s) + 16.3 * std::cos(5 * (wt + s)) + 9.8 * std::cos(7 * (wt + s)) +
                             3.0 * std::cos(11 * (wt + s)));
      frames[k].i[static_cast<std::size_t>(p)] =
          static_cast<float>(7.07 * std::cos(wt + s - 0.5) + 2.8 * std::cos(5 * (wt + s) - 0.3) +
                             1.0 * std::cos(7 * (wt + s)) + 0.3 * std::cos(13 * (wt + s)));
    }
  }
  return frames;
}

template <typename Numeric>
void RunMeter(benchmark::State& state, meter::Wiring wiring) {
  static meter::BasicEnergyMeter<Numeric> m;
  meter::EnergyMeterConfig energy_cfg;
  energy_cfg.meter.wiring = wiring;
  const meter::MeterConfig& cfg = energy_cfg.meter;
  if (m.Init(energy_cfg, nullptr, nullptr) != meter::Status::kOk) {
    state.SkipWithError("meter init failed");
    return;
  }
  const auto floats = RecordedStyleSignal();
  std::vector<typename meter::BasicMeter<Numeric>::Input> frames(floats.size());
  for (std::size_t k = 0; k < floats.size(); ++k) {
    if constexpr (std::is_same_v<Numeric, meter::dsp::FloatNumeric>) {
      frames[k] = floats[k];
    } else {
      for (std::size_t p = 0; p < 3; ++p) {  // 24-bit codes at the default full scales
        frames[k].v[p] = static_cast<std::int32_t>(floats[k].v[p] / cfg.voltage_full_scale * 8388608.0f);
        frames[k].i[p] = static_cast<std::int32_t>(floats[k].i[p] / cfg.current_full_scale * 8388608.0f);
      }
    }
  }
  // One iteration is one DMA block, as the firmware's metering loop hands
  // them over (kBlockFrames divides the signal: it repeats whole).
  static_assert(static_cast<std::size_t>(kRate * kSeconds) % kBlockFrames == 0, "the signal must be whole blocks");
  std::size_t k = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(
        m.ProcessFrames(std::span<const typename meter::BasicMeter<Numeric>::Input>(&frames[k], kBlockFrames)));
    k += kBlockFrames;
    if (k == frames.size()) k = 0;
  }
  const double sample_sets = static_cast<double>(state.iterations()) * kBlockFrames;
  state.counters["realtime_x"] = benchmark::Counter(sample_sets / kRate, benchmark::Counter::kIsRate);
  // CPU time per sample set (one frame of every channel).
  state.counters["per_sample_set"] =
      benchmark::Counter(sample_sets, benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  state.counters["bytes"] = static_cast<double>(sizeof(m));
}

void BM_Meter3P4W_Float(benchmark::State& state) { RunMeter<meter::dsp::FloatNumeric>(state, meter::Wiring::k3P4W); }
void BM_Meter3P4W_Q31(benchmark::State& state) { RunMeter<meter::dsp::Q31Numeric>(state, meter::Wiring::k3P4W); }
void BM_Meter1P2W_Float(benchmark::State& state) { RunMeter<meter::dsp::FloatNumeric>(state, meter::Wiring::k1P2W); }

}  // namespace

// How cost grows: sample rate x wiring (1 or 3 phases) x highest THD order.
void BM_MeterSweep(benchmark::State& state) {
  static meter::Meter m;
  meter::MeterConfig cfg;
  cfg.sample_rate_hz = static_cast<float>(state.range(0));
  cfg.wiring = state.range(1) == 1 ? meter::Wiring::k1P2W : meter::Wiring::k3P4W;
  cfg.max_harmonic_order = static_cast<int>(state.range(2));
  if (m.Init(cfg) != meter::Status::kOk) {
    state.SkipWithError("meter init failed");
    return;
  }
  const double rate = cfg.sample_rate_hz;
  std::vector<meter::SampleFrame> frames(static_cast<std::size_t>(rate));
  for (std::size_t k = 0; k < frames.size(); ++k) {
    const double wt = 2 * 3.14159265358979 * 50.02 * static_cast<double>(k) / rate;
    for (int p = 0; p < 3; ++p) {
      frames[k].v[static_cast<std::size_t>(p)] =
          static_cast<float>(325.3 * std::cos(wt - 2.0944 * p) + 16.3 * std::cos(5 * (wt - 2.0944 * p)));
      frames[k].i[static_cast<std::size_t>(p)] = static_cast<float>(7.07 * std::cos(wt - 2.0944 * p - 0.5));
    }
  }
  std::size_t k = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(m.ProcessFrame(frames[k]));
    if (++k == frames.size()) k = 0;
  }
  state.counters["realtime_x"] =
      benchmark::Counter(static_cast<double>(state.iterations()) / rate, benchmark::Counter::kIsRate);
}

// THD cost per window does not depend on the recording's length: the
// meter streams, so a 100 s recording costs 100 times a 1 s one.
void BM_MeterRecordingLength(benchmark::State& state) {
  static meter::Meter m;
  const auto frames = RecordedStyleSignal();
  const long n = state.range(0) * 8000;
  for (auto _ : state) {
    (void)m.Init(meter::MeterConfig{});
    for (long k = 0; k < n; ++k)
      benchmark::DoNotOptimize(m.ProcessFrame(frames[static_cast<std::size_t>(k) % frames.size()]));
  }
  state.counters["windows"] = static_cast<double>(n) / 1600.0;  // time per iteration / windows = cost per window
}

BENCHMARK(BM_Meter3P4W_Float);
BENCHMARK(BM_Meter3P4W_Q31);
BENCHMARK(BM_Meter1P2W_Float);
BENCHMARK(BM_MeterSweep)->ArgsProduct({{4000, 8000, 16000, 32000}, {1, 3}, {31}});
BENCHMARK(BM_MeterSweep)->ArgsProduct({{8000}, {3}, {15, 50}});
BENCHMARK(BM_MeterRecordingLength)->Arg(1)->Arg(10)->Arg(100)->Unit(benchmark::kMillisecond);
