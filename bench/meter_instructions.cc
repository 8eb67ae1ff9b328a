// Deterministic cost: runs exactly --seconds of the recorded-style 8 kSPS
// signal through one meter variant. Under callgrind, collect only RunFrames
// and divide by the frame count for instructions per sample set:
//   valgrind --tool=callgrind --collect-atstart=no --toggle-collect='*RunFrames*'
//            build/host/bench/meter-instructions float 3p4w 10
#include <bit>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <span>
#include <type_traits>
#include <vector>

#include "meter/metering/energy_meter.h"

namespace {

template <typename Numeric>
__attribute__((noinline)) unsigned RunFrames(meter::BasicEnergyMeter<Numeric>& m,
                                             const std::vector<typename meter::BasicMeter<Numeric>::Input>& frames,
                                             long n) {
  // The signal repeats; the index wraps by a compare, as in meter-bench (a
  // 64-bit division per sample counted 17 instructions of harness).
  // In DMA blocks of 80 frames (10 ms at 8 kSPS), as the firmware's
  // metering loop and meter-bench hand them over.
  constexpr std::size_t kBlockFrames = 80;
  unsigned events = 0;
  std::size_t at = 0;
  for (long k = 0; k < n; k += static_cast<long>(kBlockFrames)) {
    const std::uint8_t block_events =
        m.ProcessFrames(std::span<const typename meter::BasicMeter<Numeric>::Input>(&frames[at], kBlockFrames));
    events += static_cast<unsigned>(std::popcount(block_events));
    at += kBlockFrames;
    if (at == frames.size()) at = 0;
  }
  return events;
}

template <typename Numeric>
int Run(meter::Wiring wiring, double seconds) {
  static meter::BasicEnergyMeter<Numeric> m;
  meter::EnergyMeterConfig cfg;
  cfg.meter.wiring = wiring;
  if (m.Init(cfg, nullptr, nullptr) != meter::Status::kOk) return 2;
  // One second of a 50 Hz signal with harmonics (whole cycles: it repeats).
  std::vector<typename meter::BasicMeter<Numeric>::Input> frames(8000);
  for (std::size_t k = 0; k < frames.size(); ++k) {
    const double wt = 2 * 3.14159265358979 * 50.0 * static_cast<double>(k) / 8000.0;
    for (std::size_t p = 0; p < 3; ++p) {
      const double s = -2.0943951 * static_cast<double>(p);
      const double v = 325.3 * std::cos(wt + s) + 16.3 * std::cos(5 * (wt + s)) + 9.8 * std::cos(7 * (wt + s));
      const double i =
          7.07 * std::cos(wt + s - 0.5) + 2.8 * std::cos(5 * (wt + s) - 0.3) + 1.0 * std::cos(7 * (wt + s));
      if constexpr (std::is_same_v<Numeric, meter::dsp::FloatNumeric>) {
        frames[k].v[p] = static_cast<float>(v);
        frames[k].i[p] = static_cast<float>(i);
      } else {
        frames[k].v[p] = static_cast<std::int32_t>(v / cfg.meter.voltage_full_scale * 8388608.0);
        frames[k].i[p] = static_cast<std::int32_t>(i / cfg.meter.current_full_scale * 8388608.0);
      }
    }
  }
  const long n = static_cast<long>(seconds * 100) * 80;  // whole 80-frame blocks
  const unsigned events = RunFrames(m, frames, n);
  std::printf("%s %s: %ld sample sets, %u events, kWh %.6f\n", Numeric::kName,
              wiring == meter::Wiring::k1P2W ? "1p2w" : "3p4w", n, events,
              m.registers().Kilo(m.registers().state().total.kwh_imp));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: meter-instructions float|q31 1p2w|3p4w SECONDS\n");
    return 2;
  }
  const meter::Wiring wiring = std::strcmp(argv[2], "1p2w") == 0 ? meter::Wiring::k1P2W : meter::Wiring::k3P4W;
  const double seconds = std::atof(argv[3]);
  return std::strcmp(argv[1], "q31") == 0 ? Run<meter::dsp::Q31Numeric>(wiring, seconds)
                                          : Run<meter::dsp::FloatNumeric>(wiring, seconds);
}
