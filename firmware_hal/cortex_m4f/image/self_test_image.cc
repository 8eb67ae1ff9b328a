// The Cortex-M4F firmware image: the built-in self-test on the MPS2-AN386
// board under QEMU. It runs the self-test signal through the DMA double
// buffer, the metering loop, the full pipeline and the energy registers, with
// the register store on RAM flash and the pulse LED; compares every figure
// with the host's (generated at build time) and with the signal's exact
// values; cuts the power at every byte of a register save; prints a report
// and exits 0 only if everything holds. The hand-written loops are checked
// against their portable twins by GoogleTest on this target
// (tests/metering/hand_written_forms_test.cc, in tests/target's image).
//
// Under `-icount shift=0` SysTick counts one tick per 40 instructions, so the
// figures it prints are instruction counts.
#include <cmath>
#include <cstdio>
#include <cstring>
#include <span>

#include "meter/dsp/profile.h"
#include "meter/hal/cortex_m4f/fpga_io.h"
#include "meter/hal/cortex_m4f/interrupt_power_fail.h"
#include "meter/hal/cortex_m4f/ram_flash.h"
#include "meter/hal/cortex_m4f/stack_usage.h"
#include "meter/hal/cortex_m4f/systick_time_base.h"
#include "meter/metering/firmware_meter.h"
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

int main() {
  std::printf("meter self-test image: %s core, Cortex-M4F on MPS2-AN386\n", FirmwareNumeric::kName);
  Check(selftest::generated::kQ31 == (std::strcmp(FirmwareNumeric::kName, "q31") == 0),
        "the expected values were generated for this numeric variant");
  g_clock.Start();
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
