// The Cortex-M4F firmware image: the built-in self-test on the MPS2-AN386
// board under QEMU. It runs the self-test signal through the DMA double
// buffer, the metering loop, the full pipeline and the energy registers, with
// the register store on RAM flash and the pulse LED; compares every figure
// with the host's (generated at build time) and with the signal's exact
// values; cuts the power at every byte of a register save; prints a report
// and exits 0 only if everything holds.
//
// Under `-icount shift=0` SysTick counts one tick per 40 instructions, so the
// figures it prints are instruction counts.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <span>
#include <type_traits>

#include "meter/dsp/cycle_spectrum.h"
#include "meter/dsp/edge_integrator.h"
#include "meter/dsp/profile.h"
#include "meter/dsp/sinc_interpolator.h"
#include "meter/hal/cortex_m4f/fpga_io.h"
#include "meter/hal/cortex_m4f/interrupt_power_fail.h"
#include "meter/hal/cortex_m4f/ram_flash.h"
#include "meter/hal/cortex_m4f/stack_usage.h"
#include "meter/hal/cortex_m4f/systick_time_base.h"
#include "meter/metering/adc_conditioning.h"
#include "meter/metering/firmware_meter.h"
#include "meter/metering/quantity_run_q31.h"
#include "meter/metering/self_test.h"
#include "self_test_expected.h"

namespace {

using meter::FirmwareNumeric;
using meter::Status;
namespace selftest = meter::selftest;
namespace hal = meter::hal::cortex_m4f;

constexpr std::size_t kBlockFrames = 80;  // 10 ms at 8 kSPS
constexpr int kInstructionsPerTick = 40;  // -icount shift=0 and a 25 MHz SysTick
using Loop = meter::MeteringLoop<FirmwareNumeric, kBlockFrames>;
using Flash = hal::RamFlash<1024, 2>;

// Everything the metering core needs lives in static storage: no heap.
meter::FirmwareEnergyMeter g_meter;
Loop::Buffer g_dma;
__attribute__((section(".nvstore"))) std::array<std::uint8_t, Flash::kBytes> g_flash_region;
std::array<std::uint8_t, Flash::kBytes> g_flash_snapshot;
Flash g_flash(g_flash_region);
hal::FpgaLedPulseOutput g_pulse_led;
hal::FpgaButtonInputs g_buttons;
hal::InterruptPowerFail g_power_fail;
hal::SysTickTimeBase g_clock;

// Profiling hooks of the core (METER_PROFILE_HOOKS): ticks per region.
constexpr int kRegions = static_cast<int>(meter::dsp::ProfileRegion::kCount);
bool g_profiling = false;
std::array<std::uint64_t, kRegions> g_region_start{};
std::array<std::uint64_t, kRegions> g_region_ticks{};

int g_failures = 0;

void Check(bool ok, const char* what) {
  if (!ok) {
    ++g_failures;
    std::printf("FAIL: %s\n", what);
  }
}

bool Near(double got, double want, double tol) { return std::fabs(got - want) <= tol; }

[[gnu::noinline]] void CompareFigures(const selftest::Summary& got) {
  std::printf("%-16s %16s %16s %9s %16s %9s\n", "figure", "target", "host", "diff/tol", "exact", "diff/tol");
  for (int f = 0; f < selftest::kFieldCount; ++f) {
    const auto k = static_cast<std::size_t>(f);
    const double host = selftest::generated::kHostExpected[k];
    const double host_tol = selftest::HostTolerance(f);
    const double exact = selftest::ExactFor(f, selftest::generated::kExact, got);
    const double exact_tol = selftest::ExactTolerance(f, exact);
    const bool host_ok = host_tol == 0 ? got[k] == host : Near(got[k], host, host_tol);
    const bool exact_ok = std::isnan(exact_tol) || Near(got[k], exact, exact_tol);
    const double host_ratio = host_tol == 0 ? (got[k] == host ? 0.0 : 1e9) : std::fabs(got[k] - host) / host_tol;
    if (std::isnan(exact_tol)) {
      std::printf("%-16s %16.9g %16.9g %9.3f %16s %9s %s\n", selftest::FieldName(f), got[k], host, host_ratio, "-", "-",
                  host_ok ? "ok" : "FAIL");
    } else {
      std::printf("%-16s %16.9g %16.9g %9.3f %16.9g %9.3f %s\n", selftest::FieldName(f), got[k], host, host_ratio,
                  exact, std::fabs(got[k] - exact) / exact_tol, host_ok && exact_ok ? "ok" : "FAIL");
    }
    if (!host_ok || !exact_ok) ++g_failures;
  }
}

// Cuts the power at every byte of one register save (erase and program) and
// checks that each restart loads either the previous or the new record.
[[gnu::noinline]] void PowerCutSweep() {
  std::array<std::uint32_t, meter::RegisterStore::kPayloadWords> before{}, after{}, loaded{};
  meter::EnergyState saved;
  {
    meter::RegisterStore store;
    Check(store.Init(g_flash, 0) == Status::kOk, "store init");
    Check(store.Load(saved) == Status::kOk, "the run left a saved record");
  }
  meter::SerializeEnergyState(saved, before.data());
  meter::SerializeEnergyState(g_meter.registers().state(), after.data());
  Check(before != after, "the registers moved on since the last save");
  std::memcpy(g_flash_snapshot.data(), g_flash_region.data(), Flash::kBytes);

  int cuts = 0, old_loaded = 0, new_loaded = 0;
  for (std::uint32_t cut = 0;; ++cut) {
    std::memcpy(g_flash_region.data(), g_flash_snapshot.data(), Flash::kBytes);
    g_flash.PowerOn();
    meter::RegisterStore store;
    if (store.Init(g_flash, 0) != Status::kOk) {
      Check(false, "store init before the cut");
      return;
    }
    g_flash.CutPowerAfter(cut);
    const Status saved_status = store.Save(g_meter.registers().state());
    g_flash.PowerOn();
    meter::RegisterStore rebooted;
    meter::EnergyState state;
    const bool loads = rebooted.Init(g_flash, 0) == Status::kOk && rebooted.Load(state) == Status::kOk;
    meter::SerializeEnergyState(state, loaded.data());
    const bool is_old = loads && loaded == before;
    const bool is_new = loads && loaded == after;
    if (!(is_old || is_new) || (saved_status == Status::kOk && !is_new)) {
      std::printf("FAIL: power cut after %u bytes: restart loaded %s\n", static_cast<unsigned>(cut),
                  loads ? "a record that is neither the old nor the new one" : "nothing");
      ++g_failures;
      return;
    }
    old_loaded += is_old ? 1 : 0;
    new_loaded += is_new ? 1 : 0;
    if (saved_status == Status::kOk) break;
    ++cuts;
  }
  std::printf(
      "power cut during a save: %d cut points (every byte of erase and program), restart loaded the previous "
      "record %d times and the new one %d times: %s\n",
      cuts, old_loaded, new_loaded, old_loaded > 0 && new_loaded > 0 ? "ok" : "FAIL");
  if (old_loaded == 0 || new_loaded == 0) ++g_failures;
}

// Below 45 Hz (flagged out of range) the meter still measures; a firmware
// history (256 frames at 8 kSPS) holds cycles down to about 38 Hz with their
// spectrum, and slower ones lose only the spectrum (flagged). rms and power
// do not depend on the fundamental, so the exact values still apply.
[[gnu::noinline]] void SlowFundamentalCheck(double f_hz, bool spectrum_expected) {
  const Status init = g_meter.Init(selftest::Config(), nullptr, nullptr);
  Check(init == Status::kOk, "re-init for the slow-fundamental check");
  selftest::Signal signal(f_hz);
  for (int k = 0; k < 12000; ++k) {
    meter::FirmwareEnergyMeter::Input frame;
    selftest::Fill(signal, std::span<meter::FirmwareEnergyMeter::Input>(&frame, 1));
    g_meter.ProcessFrame(frame);
  }
  const selftest::Summary got = selftest::Summarise(g_meter, selftest::RegisterMark{});
  const auto flags = static_cast<std::uint32_t>(got[selftest::kWindowFlags]);
  bool ok = (flags & meter::kFlagFrequencyOutOfRange) != 0 &&
            ((flags & meter::kFlagSpectrumIncomplete) != 0) == !spectrum_expected &&
            Near(got[selftest::kFrequency], f_hz, 0.001);
  for (int f : {selftest::kVa, selftest::kIb, selftest::kPc, selftest::kPTotal, selftest::kSTotal}) {
    const auto k = static_cast<std::size_t>(f);
    ok =
        ok && Near(got[k], selftest::generated::kExact[k], selftest::ExactTolerance(f, selftest::generated::kExact[k]));
  }
  if (spectrum_expected) {
    for (int f : {selftest::kThdVa, selftest::kThdIa, selftest::kQTotal}) {
      const auto k = static_cast<std::size_t>(f);
      ok = ok &&
           Near(got[k], selftest::generated::kExact[k], selftest::ExactTolerance(f, selftest::generated::kExact[k]));
    }
  } else {
    ok = ok && std::isnan(got[selftest::kThdIa]);
  }
  std::printf("slow fundamental %.1f Hz: f %.4f Hz, flags 0x%lx, spectrum %s, V/I/P within the exact tolerances: %s\n",
              f_hz, got[selftest::kFrequency], static_cast<unsigned long>(flags),
              (flags & meter::kFlagSpectrumIncomplete) ? "dropped (flagged)" : "kept", ok ? "ok" : "FAIL");
  if (!ok) ++g_failures;
}

}  // namespace

extern "C" void meter_profile_enter(int region) {
  if (g_profiling) g_region_start[static_cast<std::size_t>(region)] = g_clock.Ticks();
}
extern "C" void meter_profile_exit(int region) {
  const auto r = static_cast<std::size_t>(region);
  if (g_profiling) g_region_ticks[r] += g_clock.Ticks() - g_region_start[r];
}

// Reproducible test values with no libc state: a 32-bit LCG, as int32.
std::int32_t NextTestValue(std::uint32_t& state) {
  state = state * 1664525u + 1013904223u;
  return static_cast<std::int32_t>(state);
}

// The resampler's target-specific loops over contiguous frames (block loads)
// against the portable loop the same call takes for any other frame reader:
// they must agree to the bit, float and Q31, at every cutoff the meter can
// choose.
// Prints a hand-written loop's check ("what", with "arm_note" on the
// Cortex-M4F, then "claim") and counts a failure when any differs.
void ReportLoopCheck(const char* what, const char* arm_note, const char* claim, int checked, const char* unit,
                     int differ) {
  std::printf("%s%s%s at %d %s, %d differ: %s\n", what, METER_DSP_ARM_BLOCK_LOADS ? arm_note : "", claim, checked, unit,
              differ, differ == 0 ? "ok" : "FAIL");
  if (differ != 0) ++g_failures;
}

// Calls differs(interpolator, u) at 64 points of every cutoff the meter
// can choose; returns how many differ (an interpolator that fails to
// initialise counts as one).
template <typename Differs>
int ResamplerPointMismatches(int& points, Differs differs) {
  int mismatches = 0;
  for (const float cutoff : {0.5f, 0.3249f, 0.25f, 0.1f}) {
    meter::dsp::SincInterpolator interpolator;
    if (interpolator.Init(cutoff) != Status::kOk) {
      ++mismatches;
      continue;
    }
    for (int step = 0; step < 64; ++step) {
      ++points;
      if (differs(interpolator, static_cast<float>(step) / 64.0f + 0x1p-9f)) ++mismatches;
    }
  }
  return mismatches;
}

template <typename Numeric>
int ResamplerMismatches(int& points) {
  using Sample = typename Numeric::Sample;
  using Frame = std::array<Sample, 6>;
  constexpr int kFrames = meter::dsp::SincInterpolator::kMaxTaps;
  static std::array<Frame, kFrames> frames;
  std::uint32_t state = 12345u;
  for (auto& f : frames) {
    for (auto& v : f) {
      const std::int32_t r = NextTestValue(state);
      if constexpr (std::is_floating_point_v<Sample>) {
        v = static_cast<float>(r) * 0x1p-31f;
      } else {
        v = r / 2;  // within the Q29 samples' two guard bits
      }
    }
  }
  const meter::dsp::ContiguousRun<Frame> run{frames.data()};
  const auto portable = [&](int j) -> const Frame& { return frames[static_cast<std::size_t>(j)]; };
  return ResamplerPointMismatches(points, [&](const meter::dsp::SincInterpolator& interpolator, float u) {
    Sample fast[6], reference[6];
    interpolator.InterpolateFrames<Numeric, 6>(u, run, fast);
    interpolator.InterpolateFrames<Numeric, 6>(u, portable, reference);
    return std::memcmp(fast, reference, sizeof fast) != 0;
  });
}

// The Q31 resampler with the DC shifts in its sums' start against the
// portable loop and Sub, where the tap bound rules out saturation.
int FromStartsMismatches(int& points) {
  using Frame = std::array<std::int32_t, 6>;
  constexpr int kFrames = meter::dsp::SincInterpolator::kMaxTaps;
  static std::array<Frame, kFrames> frames;
  std::uint32_t state = 4242u;
  for (auto& f : frames) {
    for (auto& v : f) v = NextTestValue(state) / 4;  // within 2^29
  }
  const auto portable = [&](int j) -> const Frame& { return frames[static_cast<std::size_t>(j)]; };
  return ResamplerPointMismatches(points, [&](const meter::dsp::SincInterpolator& interpolator, float u) {
    std::int32_t offset[6], fast[6], point[6], reference[6];
    for (auto& o : offset) o = NextTestValue(state) / 8;
    std::int64_t starts[6];
    meter::dsp::SincInterpolator::OffsetStarts(offset, starts);
    interpolator.InterpolateSixFromStarts(u, frames[0].data(), starts, fast, 1);
    interpolator.InterpolateFrames<meter::dsp::Q31Numeric, 6>(u, portable, point);
    for (std::size_t ch = 0; ch < 6; ++ch) reference[ch] = meter::dsp::Q31Numeric::Sub(point[ch], offset[ch]);
    return std::memcmp(fast, reference, sizeof fast) != 0;
  });
}

#if METER_DSP_ARM_BLOCK_LOADS
// The Q31 grid loop (a cycle's points from a run of frames, in one
// assembly loop) against one portable point at a time, less the offsets:
// each point's values and the first point not done (the run's end, and an
// origin that puts the first windows before the run), at every cutoff.
int GridMismatches(int& points) {
  using Frame = std::array<std::int32_t, 6>;
  constexpr int kFrames = 200;
  constexpr auto kStride = meter::dsp::SincInterpolator::kGridOutStride;
  static std::array<Frame, kFrames> frames;
  static std::array<std::int32_t, 6 * kStride> out, want;
  std::uint32_t state = 777u;
  for (auto& f : frames) {
    for (auto& v : f) v = NextTestValue(state) / 4;  // within 2^29
  }
  struct Case {
    float cutoff;
    std::int64_t origin;
    float start_frac, step;
    int first_point, length;
  };
  static constexpr Case kCases[] = {{0.3249f, 12, 0.3f, 1.24f, 0, kFrames}, {0.3249f, 12, 0.0f, 1.24f, 5, 120},
                                    {0.5f, 30, 0.75f, 0.61f, 0, 90},        {0.1f, 70, 0.5f, 0.93f, 3, kFrames},
                                    {0.25f, -4, 0.2f, 1.0f, 0, kFrames},    {0.3249f, 150, 0.1f, 1.3f, 0, 100}};
  int mismatches = 0;
  for (const Case& c : kCases) {
    meter::dsp::SincInterpolator s;
    if (s.Init(c.cutoff) != Status::kOk) {
      ++mismatches;
      continue;
    }
    const int half = s.half_span();
    std::int32_t offset[6];
    for (auto& o : offset) o = NextTestValue(state) / 8;
    std::int64_t starts[6];
    meter::dsp::SincInterpolator::OffsetStarts(offset, starts);
    out.fill(-7);
    want.fill(-7);
    const meter::dsp::SincInterpolator::PointGrid grid{c.origin, c.start_frac, c.step, 128};
    const int done =
        s.InterpolateSixGridFromStarts(frames[0].data(), c.length, grid, c.first_point, starts, out.data());
    int want_done = c.first_point;
    for (int j = c.first_point; j < grid.count; ++j) {
      const float rel = grid.start_frac + static_cast<float>(j) * grid.step;
      const int whole = static_cast<int>(rel);
      const std::int64_t first = grid.origin + whole - half + 1;
      if (first < 0 || first + 2 * half > c.length) break;
      std::int32_t point[6];
      s.InterpolateFrames<meter::dsp::Q31Numeric, 6>(
          rel - static_cast<float>(whole),
          [&](int k) -> const Frame& { return frames[static_cast<std::size_t>(first + k)]; }, point);
      for (std::size_t ch = 0; ch < 6; ++ch) {
        want[ch * kStride + static_cast<std::size_t>(j)] = meter::dsp::Q31Numeric::Sub(point[ch], offset[ch]);
      }
      want_done = j + 1;
    }
    points += want_done - c.first_point;
    if (done != want_done || out != want) ++mismatches;
  }
  return mismatches;
}
#endif

// MagnitudeBound (four values a block load on the Cortex-M4F) against the
// OR of the magnitudes, at lengths 0 to 70 with int32's extremes.
int MagnitudeBoundMismatches(int& arrays) {
  static std::array<std::int32_t, 70> x;
  std::uint32_t state = 99u;
  int mismatches = 0;
  for (int n = 0; n <= static_cast<int>(x.size()); ++n) {
    for (int round = 0; round < 3; ++round) {
      for (auto& v : x) v = NextTestValue(state) >> (round * 9);
      if (round == 2 && n > 1) x[static_cast<std::size_t>(n / 2)] = std::numeric_limits<std::int32_t>::min();
      std::uint32_t want = 0;
      for (int m = 0; m < n; ++m) {
        const std::int64_t v = x[static_cast<std::size_t>(m)];
        want |= static_cast<std::uint32_t>(v < 0 ? -v : v);
      }
      ++arrays;
      if (meter::dsp::MagnitudeBound(x.data(), n) != want) ++mismatches;
    }
  }
  return mismatches;
}

// The Q31 cycle pass (a resampled cycle into its window's sum and fold)
// against the portable loop: every block shift from -12 to 6, cycles at
// the int32 extremes, twiddles of both signs.
int CyclePassMismatches(int& passes) {
  constexpr int kPoints = meter::dsp::kPointsPerCycle;
  static std::array<std::int32_t, kPoints> x;
  static std::array<std::int32_t, 2 * kPoints> fold_fast, fold_portable;
  static std::array<std::int32_t, kPoints> sum_fast, sum_portable;
  std::uint32_t state = 31337u;
  int mismatches = 0;
  for (int pre = -12; pre <= 6; ++pre) {
    for (int round = 0; round < 3; ++round) {
      // Samples within the block limit at this shift (as the meter's), the
      // last round at int32's extremes where the shift allows it.
      const int headroom = pre >= 0 ? 27 - pre : 27;
      for (auto& v : x) v = NextTestValue(state) >> (31 - headroom);
      if (round == 2 && pre <= -2)
        x[0] = std::numeric_limits<std::int32_t>::max(), x[1] = std::numeric_limits<std::int32_t>::min();
      for (std::size_t k = 0; k < fold_fast.size(); ++k) fold_fast[k] = fold_portable[k] = NextTestValue(state) >> 4;
      for (std::size_t k = 0; k < sum_fast.size(); ++k) sum_fast[k] = sum_portable[k] = NextTestValue(state) >> 4;
      const std::int32_t tw_re = NextTestValue(state), tw_im = NextTestValue(state);
#if METER_DSP_ARM_BLOCK_LOADS
      meter::dsp::detail::AccumulateScaledCycleQ31Arm(x.data(), pre, tw_re, tw_im, fold_fast.data(), sum_fast.data());
#else
      meter::dsp::detail::AccumulateScaledCycleQ31(x.data(), pre, tw_re, tw_im, fold_fast.data(), sum_fast.data());
#endif
      meter::dsp::detail::AccumulateScaledCycleQ31(x.data(), pre, tw_re, tw_im, fold_portable.data(),
                                                   sum_portable.data());
      ++passes;
      if (fold_fast != fold_portable || sum_fast != sum_portable) ++mismatches;
    }
  }
  return mismatches;
}

// The Q31 conditioning of a three-phase frame against the scalar formula:
// 24- and 16-bit codes with offsets and gains across their ranges, codes at
// and beyond the limits (refused, so that the scalar loop clips them).
int ConditioningMismatches(int& frames) {
  std::uint32_t state = 2024u;
  int mismatches = 0;
  for (int round = 0; round < 400; ++round) {
    meter::detail::AdcConditioningQ31 adc;
    const int bits = round % 2 == 0 ? 24 : 16;
    adc.SetCodeBits(bits);
    adc.code_shift = 29 - (bits - 1);
    std::int32_t codes[6], got[6];
    bool in_range = true;
    for (int ch = 0; ch < 6; ++ch) {
      adc.offset_code[ch] = NextTestValue(state) >> (32 - bits + 2);
      adc.gain_q[ch] = static_cast<std::int32_t>((NextTestValue(state) & 0x3FFFFFFF) + (1 << 28));  // to 1.25 in Q30
      codes[ch] = NextTestValue(state) >> (32 - bits);
      if (round % 5 == 0 && ch == round % 6)
        codes[ch] = round % 3 == 0 ? adc.code_limit : -adc.code_limit - (round % 4);
      if (codes[ch] >= adc.code_limit || codes[ch] <= -adc.code_limit) in_range = false;
    }
    const bool taken = meter::detail::ConditionSixChannelsArm(adc, codes, got);
    ++frames;
#if METER_DSP_ARM_BLOCK_LOADS
    if (taken != in_range) {
      ++mismatches;
      continue;
    }
#endif
    if (!taken) continue;
    for (int ch = 0; ch < 6; ++ch) {
      const std::int32_t x = (codes[ch] - adc.offset_code[ch]) * (std::int32_t{1} << adc.code_shift);
      const auto want = static_cast<std::int32_t>((static_cast<std::int64_t>(x) * adc.gain_q[ch]) >> 30);
      if (got[ch] != want) {
        ++mismatches;
        break;
      }
    }
  }
  return mismatches;
}

// The Q31 run loop's hand-scheduled loops against their portable twins:
// runs of every length, one to three phases, compensation windows on either
// side, samples within the bounds under which the meter takes the loop.
int PhaseRunMismatches(int& runs) {
  using Setup = meter::detail::PhaseRunSetupQ31;
  constexpr int kMargin = 8;
  static std::array<std::int32_t, 6 * (Setup::kMaxRun + 2 * kMargin)> frames;
  std::uint32_t state = 777u;
  for (std::size_t k = 0; k < frames.size(); ++k) frames[k] = NextTestValue(state) / (k % 6 < 3 ? 3 : 5);
  int mismatches = 0;
  for (int round = 0; round < 96; ++round) {
    Setup setup;
    setup.phases = 1 + round % 3;
    setup.line_to_line = setup.phases == 1 ? 0 : setup.phases == 2 ? 1 : 3;
    int lowest = 0, highest = 0;
    for (int p = 0; p < 3; ++p) {
      setup.dc_v[p] = NextTestValue(state) >> 6;
      setup.dc_i[p] = NextTestValue(state) >> 6;
      setup.advance[p] = (round / 3 + p) % 5 - 2;
      std::int32_t sum = 0;
      for (int t = 0; t < 3; ++t) sum += setup.taps[p][t] = NextTestValue(state) >> 3;
      setup.taps[p][3] = (std::int32_t{1} << 30) - sum;
      lowest = std::min(lowest, setup.advance[p] - 1);
      highest = std::max(highest, setup.advance[p] + 2);
    }
    setup.reach_first = lowest;
    setup.reach_last = highest;
    const int count = 1 + round % Setup::kMaxRun;
    std::array<std::int64_t, meter::detail::PhaseRunLayout::kCount> sums{}, last{}, want_sums{}, want_last{};
    meter::detail::SumPhaseRunQ31(setup, &frames[6 * kMargin], count, sums.data(), last.data());
    meter::detail::SumPhaseRunQ31Portable(setup, &frames[6 * kMargin], count, want_sums.data(), want_last.data());
    ++runs;
    if (sums != want_sums || last != want_last) ++mismatches;
  }
  return mismatches;
}

// The integrators' block add against one Add per integrator, float and Q31.
template <typename Numeric>
bool BlockAddMatchesLoop() {
  using Acc = typename Numeric::Product;
  constexpr std::size_t kCount = 23;  // as many as the meter's quantities
  std::array<meter::dsp::EdgeIntegrator<Numeric>, kCount> block{}, loop{};
  std::array<Acc, kCount> f{};
  std::uint32_t state = 777u;
  for (int step = 0; step < 50; ++step) {
    for (auto& v : f) {
      const std::int32_t r = NextTestValue(state);
      if constexpr (std::is_floating_point_v<Acc>) {
        v = static_cast<float>(r) * 0x1p-20f;
      } else {
        v = static_cast<std::int64_t>(r) << 15;  // carries into the high word
      }
    }
    meter::dsp::AddToEach(block, f);
    for (std::size_t k = 0; k < kCount; ++k) loop[k].Add(f[k]);
  }
  bool same = true;
  for (std::size_t k = 0; k < kCount; ++k) {
    const Acc a = block[k].SplitAndAdd(Acc{}, Acc{}, 0.0f);
    const Acc b = loop[k].SplitAndAdd(Acc{}, Acc{}, 0.0f);
    same = same && std::memcmp(&a, &b, sizeof a) == 0;
  }
  return same;
}

// A Q31Numeric operation that has one DSP instruction on this core against
// its portable form: the int32 range's edges (saturation bounds, the
// symmetric range's edge) in every pairing and pseudo-random pairs.
template <typename Fast, typename Portable>
int PairMismatches(Fast fast, Portable portable, int& pairs) {
  constexpr std::int32_t kMax = std::numeric_limits<std::int32_t>::max();
  constexpr std::int32_t kMin = std::numeric_limits<std::int32_t>::min();
  const std::int32_t edges[] = {0, 1, -1, kMax, kMax - 1, kMin, kMin + 1, kMin + 2, 1 << 30, -(1 << 30)};
  int mismatches = 0;
  const auto compare = [&](std::int32_t a, std::int32_t b) {
    ++pairs;
    if (fast(a, b) != portable(a, b)) ++mismatches;
  };
  for (const std::int32_t a : edges) {
    for (const std::int32_t b : edges) compare(a, b);
  }
  std::uint32_t state = 4242u;
  for (int k = 0; k < 1000; ++k) {
    const std::int32_t a = NextTestValue(state);
    compare(a, NextTestValue(state));
  }
  return mismatches;
}

[[gnu::noinline]] void HandWrittenLoopsAgree() {
  using Q31 = meter::dsp::Q31Numeric;
  int pairs = 0;
  const int sub_mismatches = PairMismatches(Q31::Sub, Q31::SubPortable, pairs);
  std::printf("saturating subtract%s equals the portable form at %d pairs, %d differ: %s\n",
              METER_DSP_ARM_SATURATING ? " (QSUB)" : "", pairs, sub_mismatches, sub_mismatches == 0 ? "ok" : "FAIL");
  if (sub_mismatches != 0) ++g_failures;
  pairs = 0;
  const int mul_mismatches = PairMismatches(Q31::MulHighRounded, Q31::MulHighRoundedPortable, pairs);
  std::printf("rounded high-word multiply%s equals the portable form at %d pairs, %d differ: %s\n",
              METER_DSP_ARM_SATURATING ? " (SMMULR)" : "", pairs, mul_mismatches, mul_mismatches == 0 ? "ok" : "FAIL");
  if (mul_mismatches != 0) ++g_failures;

  const bool block_add_ok =
      BlockAddMatchesLoop<meter::dsp::FloatNumeric>() && BlockAddMatchesLoop<meter::dsp::Q31Numeric>();
  std::printf("integrators: the block add equals one add per integrator (float and Q31): %s\n",
              block_add_ok ? "ok" : "FAIL");
  if (!block_add_ok) ++g_failures;

  int passes = 0;
  const int pass_mismatches = CyclePassMismatches(passes);
  ReportLoopCheck("cycle pass: the Q31 sums and folds", " (two points a pass, SMMLAR)", " equal the portable loop",
                  passes, "cycles", pass_mismatches);

  int conditioned_frames = 0;
  const int conditioning_mismatches = ConditioningMismatches(conditioned_frames);
  ReportLoopCheck("Q31 conditioning: the three-phase frame", " (LDRD pairs)",
                  " equals the scalar formula (codes beyond the limits refused)", conditioned_frames, "frames",
                  conditioning_mismatches);

  int runs = 0;
  const int run_mismatches = PhaseRunMismatches(runs);
  ReportLoopCheck("Q31 run loop: the phase loops", " (hand-scheduled)", " equal their portable twins", runs, "runs",
                  run_mismatches);

  int offset_points = 0;
  const int offset_mismatches = FromStartsMismatches(offset_points);
  ReportLoopCheck("resampler: the Q31 points with their DC shifts in the sums' start", " (block loads)",
                  " equal the portable loop less the shifts", offset_points, "points", offset_mismatches);

#if METER_DSP_ARM_BLOCK_LOADS
  int grid_points = 0;
  const int grid_mismatches = GridMismatches(grid_points);
  ReportLoopCheck("resampler: a cycle's Q31 points from a run of frames", " (one assembly loop)",
                  " equal one portable point at a time less the shifts, and stop where the run ends", grid_points,
                  "points", grid_mismatches);
#endif

  int bound_arrays = 0;
  const int bound_mismatches = MagnitudeBoundMismatches(bound_arrays);
  ReportLoopCheck("block floating point: the magnitude bound", " (four values a block load)",
                  " equals the OR of the magnitudes", bound_arrays, "arrays", bound_mismatches);

  int points = 0;
  const int mismatches =
      ResamplerMismatches<meter::dsp::FloatNumeric>(points) + ResamplerMismatches<meter::dsp::Q31Numeric>(points);
  std::printf(
      "resampler: the contiguous-run loops%s equal the portable loop (float and Q31) at %d points, %d "
      "differ: %s\n",
      METER_DSP_ARM_BLOCK_LOADS ? " (block loads)" : "", points, mismatches, mismatches == 0 ? "ok" : "FAIL");
  if (mismatches != 0) ++g_failures;
}

int main() {
  std::printf("meter self-test image: %s core, Cortex-M4F on MPS2-AN386\n", FirmwareNumeric::kName);
  Check(selftest::generated::kQ31 == (std::strcmp(FirmwareNumeric::kName, "q31") == 0),
        "the expected values were generated for this numeric variant");
  g_clock.Start();
  HandWrittenLoopsAgree();
  std::memset(g_flash_region.data(), 0xFF, Flash::kBytes);  // a new meter: erased store

  const Status init = g_meter.Init(selftest::Config(), &g_pulse_led, &g_flash);
  Check(init == Status::kOk, "energy meter init");
  Loop loop(g_meter, g_dma, &g_buttons, &g_power_fail);

  // The power-fail comparator fires 2.5 s in; the supply never recovers.
  std::uint64_t polls = 0, measured_ticks = 0;
  g_profiling = false;
  // The harness's own state stays off the stack (static, or in functions
  // that are not inlined here), so that the stack's high-water mark after
  // metering is the metering's.
  static selftest::RegisterMark mark;
  selftest::Run(loop, g_dma, mark, [&](bool measured, auto poll) {
    if (++polls == 250) g_power_fail.OnComparator(true);
    if (!measured) {
      poll();
      return;
    }
    g_profiling = true;
    const std::uint64_t t0 = g_clock.Ticks();
    poll();
    measured_ticks += g_clock.Ticks() - t0;
    g_profiling = false;
  });

  // The metering's own stack need, before the report and the power-cut
  // sweep (which keep large arrays of their own on the stack).
  const std::size_t metering_stack = hal::StackHighWaterBytes();
  CompareFigures(selftest::Summarise(g_meter, mark));
  const auto& stats = loop.stats();
  Check(stats.lost_frames == 0 && stats.overrun_blocks == 0, "no DMA block lost");
  Check(stats.power_fail_saves == 1 && stats.save_errors == 0, "one power-fail save, no save error");
  Check(g_pulse_led.pulses() > 0, "the pulse LED flashed");
  // newlib-nano's printf has no long long: every count here fits 32 bits.
  std::printf("blocks %lu, pulses %lu, periodic and power-fail saves without error\n",
              static_cast<unsigned long>(stats.blocks), static_cast<unsigned long>(g_pulse_led.pulses()));
  PowerCutSweep();

  const double sample_sets = static_cast<double>(selftest::kMeasureFrames);
  const double windows_per_second = selftest::kSignalHz / 10.0;  // 10-cycle windows at 50 Hz nominal
  const double insn_per_set = static_cast<double>(measured_ticks) * kInstructionsPerTick / sample_sets;
  const double insn_thd_per_window = static_cast<double>(g_region_ticks[0]) * kInstructionsPerTick /
                                     (windows_per_second * sample_sets / selftest::kSampleRateHz);
  for (int r = 0; r < kRegions; ++r) {
    std::printf("  region %-16s %8.0f instructions per sample set\n",
                meter::dsp::ProfileRegionName(static_cast<meter::dsp::ProfileRegion>(r)),
                static_cast<double>(g_region_ticks[static_cast<std::size_t>(r)]) * kInstructionsPerTick / sample_sets);
  }
  const std::size_t stack = metering_stack;
  std::printf(
      "measured: 1 s of 3P4W at 8 kSPS, THD(31) on 9 channels: %lu SysTick ticks, %.0f instructions per "
      "sample set, %.0f per window in the harmonic path (instruction counts hold under -icount shift=0)\n",
      static_cast<unsigned long>(measured_ticks), insn_per_set, insn_thd_per_window);
  std::printf("stack high-water mark %u bytes after metering, %u at the end (of %u); meter instance %u bytes\n",
              static_cast<unsigned>(stack), static_cast<unsigned>(hal::StackHighWaterBytes()),
              static_cast<unsigned>(hal::StackSizeBytes()), static_cast<unsigned>(sizeof(g_meter)));
  std::printf(
      "TARGET_REPORT {\"numeric\":\"%s\",\"meter_bytes\":%u,\"stack_bytes\":%u,\"dma_bytes\":%u,"
      "\"insn_per_sample_set\":%.0f,\"insn_thd_per_window\":%.0f}\n",
      FirmwareNumeric::kName, static_cast<unsigned>(sizeof(g_meter)), static_cast<unsigned>(stack),
      static_cast<unsigned>(sizeof(g_dma)), insn_per_set, insn_thd_per_window);
  // Last: they re-initialise the meter.
  SlowFundamentalCheck(40.0, true);
  SlowFundamentalCheck(37.0, false);
  std::printf("result: %s (%d failure%s)\n", g_failures == 0 ? "PASS" : "FAIL", g_failures, g_failures == 1 ? "" : "s");
  return g_failures == 0 ? 0 : 1;
}
