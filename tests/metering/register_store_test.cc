// Power-fail-safe persistence: alternating CRC-protected records on a flash
// that can lose power at any byte of any erase or program.
#include "meter/metering/register_store.h"

#include <gtest/gtest.h>

#include <random>

#include "meter/hal/host/emulated_flash.h"
#include "meter/hal/host/recording_pulse_output.h"
#include "meter/metering/energy_meter.h"
#include "support/synthetic_signal.h"

namespace meter {
namespace {

using hal::host::EmulatedFlash;

TEST(Crc32, KnownVector) {
  const char text[] = "123456789";
  EXPECT_EQ(Crc32(text, 9), 0xCBF43926u);  // the standard check value
  EXPECT_EQ(Crc32(text, 0), 0u);
}

EnergyState Sample(std::uint64_t seed) {
  EnergyState s;
  s.total.kwh_imp.Restore(seed * 3 + 1, seed % 1000);
  s.total.kvarh_q[2].Restore(seed, 7);
  s.partial.kvah.Restore(seed / 2, 99);
  s.kwh_imp_tariff[1].Restore(seed + 5, 1);
  s.kwh_exp_tariff[0].Restore(seed + 9, 4);
  s.kwh_exp_tariff[1].Restore(seed * 7, 3);
  s.phases[2].kvarh_exp.Restore(seed * 11, 12345);
  s.on_ticks = seed * 1000;
  s.partial_export_ticks = seed;
  s.partial_running = 1;
  s.tariff = 1;
  return s;
}

bool Same(const EnergyState& a, const EnergyState& b) {
  std::uint32_t wa[RegisterStore::kPayloadWords], wb[RegisterStore::kPayloadWords];
  SerializeEnergyState(a, wa);
  SerializeEnergyState(b, wb);
  return std::equal(std::begin(wa), std::end(wa), std::begin(wb));
}

TEST(RegisterStore, RoundTripAndNewestWins) {
  EmulatedFlash flash(1024, 4);
  RegisterStore store;
  ASSERT_EQ(store.Init(flash, 1), Status::kOk);
  EnergyState loaded;
  EXPECT_EQ(store.Load(loaded), Status::kDataLoss);  // a new meter
  for (std::uint64_t i = 1; i <= 5; ++i) ASSERT_EQ(store.Save(Sample(i)), Status::kOk);
  RegisterStore reopened;
  ASSERT_EQ(reopened.Init(flash, 1), Status::kOk);
  ASSERT_EQ(reopened.Load(loaded), Status::kOk);
  EXPECT_TRUE(Same(loaded, Sample(5)));
  EXPECT_EQ(reopened.sequence(), 5u);
  // Sector 0 and 3 untouched.
  for (std::size_t b = 0; b < 1024; ++b) ASSERT_EQ(flash.memory()[b], 0xFF);
  EXPECT_EQ(store.Init(flash, 3), Status::kInvalidArgument);  // needs two sectors
  EmulatedFlash tiny(256, 2);
  EXPECT_EQ(store.Init(tiny, 0), Status::kInvalidArgument);  // a record does not fit
}

TEST(RegisterStore, RecordFromBeforeTheExportTariffsKeepsTheirSum) {
  // A layout-1 record ends with the flags word and zero padding: no export
  // tariffs. Loaded, the export so far is tariff 1's, so the tariffs add up
  // to the total as they do in every later record.
  EnergyState s = Sample(42);
  s.total.kwh_exp.Restore(777, 5);
  std::uint32_t words[RegisterStore::kPayloadWords];
  SerializeEnergyState(s, words);
  const std::size_t flags_word = 48 * 4 + 5 * 2;
  ASSERT_NE(words[flags_word] & (1u << 16), 0u);
  words[flags_word] &= 0xFFFFu;  // as layout 1 wrote it
  for (std::size_t k = flags_word + 1; k < RegisterStore::kPayloadWords; ++k) words[k] = 0;
  EnergyState loaded;
  DeserializeEnergyState(words, loaded);
  EXPECT_EQ(loaded.kwh_exp_tariff[0].milli(), 777u);
  EXPECT_EQ(loaded.kwh_exp_tariff[0].remainder(), 5u);
  EXPECT_EQ(loaded.kwh_exp_tariff[1].milli(), 0u);
  EXPECT_EQ(loaded.tariff, s.tariff);
  EXPECT_EQ(loaded.partial_running, s.partial_running);
  EXPECT_EQ(loaded.total.kwh_imp.milli(), s.total.kwh_imp.milli());
}

TEST(RegisterStore, SaveRightAfterInitKeepsTheNewestRecord) {
  // Found by the Cortex-M4F image's power-cut sweep: a Save with no Load
  // before it used to erase the sector holding the newest record.
  EmulatedFlash flash(1024, 2);
  {
    RegisterStore store;
    ASSERT_EQ(store.Init(flash, 0), Status::kOk);
    for (std::uint64_t i = 1; i <= 3; ++i) ASSERT_EQ(store.Save(Sample(i)), Status::kOk);
  }
  RegisterStore restarted;
  ASSERT_EQ(restarted.Init(flash, 0), Status::kOk);
  EXPECT_EQ(restarted.sequence(), 3u);
  flash.CutPowerAfter(1);
  EXPECT_EQ(restarted.Save(Sample(4)), Status::kUnavailable);
  flash.PowerOn();
  RegisterStore after_cut;
  ASSERT_EQ(after_cut.Init(flash, 0), Status::kOk);
  EnergyState loaded;
  ASSERT_EQ(after_cut.Load(loaded), Status::kOk);
  EXPECT_TRUE(Same(loaded, Sample(3)));
}

TEST(RegisterStore, CorruptRecordIsNeverLoaded) {
  EmulatedFlash flash(1024, 2);
  RegisterStore store;
  ASSERT_EQ(store.Init(flash, 0), Status::kOk);
  ASSERT_EQ(store.Save(Sample(1)), Status::kOk);
  ASSERT_EQ(store.Save(Sample(2)), Status::kOk);  // sector 1 holds the newest
  // Clear one set bit of the newest record's payload (kwh_imp = 7 mWh).
  const std::uint32_t cleared = ~1u;
  ASSERT_EQ(flash.Program(1024 + 4 * 4, &cleared, 1), Status::kOk);
  ASSERT_EQ(flash.memory()[1024 + 16], 6);
  RegisterStore reopened;
  ASSERT_EQ(reopened.Init(flash, 0), Status::kOk);
  EnergyState loaded;
  ASSERT_EQ(reopened.Load(loaded), Status::kOk);
  EXPECT_TRUE(Same(loaded, Sample(1)));
}

// 10,000 power cuts at random bytes of random saves: nothing corrupt is
// ever loaded, no register ever decreases, and the energy lost is at most
// what accrued since the last completed save.
TEST(RegisterStore, TenThousandPowerCuts) {
  EmulatedFlash flash(1024, 2);
  std::mt19937_64 rng(62053);
  EnergyRegisters regs;
  ASSERT_EQ(regs.Init(EnergyConfig{}), Status::kOk);
  RegisterStore store;
  ASSERT_EQ(store.Init(flash, 0), Status::kOk);
  EnergyState last_completed;  // zero: nothing saved yet
  EnergyState last_loaded;
  const std::uint64_t save_bytes = 1024 + RegisterStore::kRecordWords * 4;
  std::uniform_int_distribution<std::uint64_t> cut_at(0, save_bytes + save_bytes / 4);  // some saves complete
  std::uniform_real_distribution<float> power(-20000.0f, 20000.0f);
  int completed = 0, interrupted = 0;
  for (int trial = 0; trial < 10000; ++trial) {
    // Energy accrues between saves.
    CycleEnergy c;
    c.phase_count = 3;
    for (int k = 0; k < 5; ++k) {
      for (std::size_t p = 0; p < 3; ++p) {
        c.p_w[p] = power(rng);
        c.q_var[p] = power(rng);
        c.s_va[p] = std::hypot(c.p_w[p], c.q_var[p]) + 1.0f;
      }
      c.p_total_w = c.p_w[0] + c.p_w[1] + c.p_w[2];
      c.q_total_var = c.q_var[0] + c.q_var[1] + c.q_var[2];
      c.s_total_va = c.s_va[0] + c.s_va[1] + c.s_va[2];
      c.start_tick = c.end_tick;
      c.end_tick += 2560;
      regs.Integrate(c);
    }
    const EnergyState now = regs.state();
    flash.CutPowerAfter(cut_at(rng));
    const Status saved = store.Save(now);
    if (saved == Status::kOk) {
      last_completed = now;
      ++completed;
    } else {
      ASSERT_EQ(saved, Status::kUnavailable);
      ++interrupted;
    }
    flash.PowerOn();

    // Restart: a fresh store object reads what the flash holds.
    RegisterStore reboot;
    ASSERT_EQ(reboot.Init(flash, 0), Status::kOk);
    EnergyState loaded;
    const Status s = reboot.Load(loaded);
    if (completed == 0) {
      ASSERT_EQ(s, Status::kDataLoss);
      continue;
    }
    ASSERT_EQ(s, Status::kOk) << "trial " << trial;
    // Exactly the last completed save: nothing corrupt, nothing lost
    // beyond the energy accrued since it.
    ASSERT_TRUE(Same(loaded, last_completed)) << "trial " << trial;
    // Never backwards.
    ASSERT_GE(loaded.total.kwh_imp.milli(), last_loaded.total.kwh_imp.milli());
    ASSERT_GE(loaded.total.kvah.milli(), last_loaded.total.kvah.milli());
    ASSERT_GE(loaded.on_ticks, last_loaded.on_ticks);
    last_loaded = loaded;
    // The meter carries on from what it loaded, as a real one would.
    regs.Restore(loaded);
    store = reboot;
  }
  EXPECT_GT(completed, 1000);
  EXPECT_GT(interrupted, 5000);
}

// End to end: a meter saves periodically and on the power-fail signal, and a
// restarted meter continues from the saved registers.
TEST(EnergyMeterPersistence, PeriodicAndPowerFailSavesSurviveARestart) {
  EmulatedFlash flash(4096, 2);
  hal::host::RecordingPulseOutput pulses;
  static EnergyMeter m;
  EnergyMeterConfig cfg;
  cfg.save_period_s = 1.0f;
  ASSERT_EQ(m.Init(cfg, &pulses, &flash), Status::kOk);
  EXPECT_FALSE(m.restored());
  const auto s = testing::Balanced(50.0, 230.0, 5.0, 0.0);
  for (long k = 0; k < 8000 * 3 + 500; ++k) {
    m.ProcessFrame(s.FrameAt(k / 8000.0));
    ASSERT_EQ(m.Service(), Status::kOk);
  }
  const EnergyState before_fail = m.registers().state();
  ASSERT_EQ(m.OnPowerFail(), Status::kOk);
  // The save includes the reactive energy of the cycles still waiting for
  // their window's spectrum; nothing else moved.
  const EnergyState at_fail = m.registers().state();
  EXPECT_EQ(m.registers().reactive_ticks(), at_fail.on_ticks);
  EXPECT_EQ(at_fail.on_ticks, before_fail.on_ticks);
  EXPECT_EQ(at_fail.total.kwh_imp.milli(), before_fail.total.kwh_imp.milli());
  EXPECT_GE(at_fail.total.kvah_q[0].milli(), before_fail.total.kvah_q[0].milli());
  ASSERT_GT(at_fail.total.kwh_imp.milli(), 0u);

  ASSERT_EQ(m.Init(cfg, &pulses, &flash), Status::kOk);
  EXPECT_TRUE(m.restored());
  EXPECT_TRUE(Same(m.registers().state(), at_fail));
  // Pulses continue from the restored register, not from zero.
  EXPECT_EQ(m.pulses().queued(m.registers().state().total.kwh_imp.milli()), 0u);
}

}  // namespace
}  // namespace meter
