// The whole pipeline, set-up included, runs without touching the heap: a
// replaced global operator new counts every allocation made while armed,
// (the core has no other allocator to watch: it uses no library that keeps
// a heap of its own).
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include "meter/hal/host/emulated_flash.h"
#include "meter/metering/energy_meter.h"
#include "meter/metering/meter.h"
#include "support/synthetic_signal.h"

namespace {
std::atomic<bool> g_armed{false};
std::atomic<long> g_allocations{0};
}  // namespace

// These replace the global allocation functions, so malloc/free pairs here
// are the definition of new/delete; GCC cannot tell and warns.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void* operator new(std::size_t size) {
  if (g_armed.load()) g_allocations.fetch_add(1);
  if (void* p = std::malloc(size ? size : 1)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t size) { return operator new(size); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
#pragma GCC diagnostic pop

namespace meter {
namespace {

TEST(MeterNoHeap, InitAndProcessingNeverAllocate) {
  static Meter m;
  // Precompute the frames so the generator's own vectors stay out of it.
  const auto s = testing::Balanced(50.0, 230.0, 5.0, 30.0, {{5, 0.1}}, {{5, 0.4}, {7, 0.1}});
  static SampleFrame frames[24000];
  for (int k = 0; k < 24000; ++k) frames[k] = s.FrameAt(k / 8000.0);

  // Sanity: the counter sees allocations when armed.
  g_armed = true;
  void* volatile probe = ::operator new(16);
  ::operator delete(probe);
  g_armed = false;
  ASSERT_EQ(g_allocations.load(), 1);
  g_allocations = 0;

  g_armed = true;
  MeterConfig cfg;
  cfg.wiring = Wiring::k3P4W;
  const Status status = m.Init(cfg);
  int windows = 0;
  for (const auto& f : frames) windows += (m.ProcessFrame(f) & kEventWindow) ? 1 : 0;
  m.MarkGap(3);
  for (int k = 0; k < 8000; ++k) windows += (m.ProcessFrame(frames[k]) & kEventWindow) ? 1 : 0;
  g_armed = false;

  EXPECT_EQ(status, Status::kOk);
  EXPECT_GE(windows, 18);
  EXPECT_EQ(g_allocations.load(), 0);
}

TEST(MeterNoHeap, FixedPointMeterNeverAllocates) {
  static MeterQ31 m;
  const auto s = testing::Balanced(50.0, 230.0, 5.0, 30.0, {{5, 0.1}}, {{5, 0.4}});
  static AdcFrame frames[16000];
  for (int k = 0; k < 16000; ++k) {
    const SampleFrame f = s.FrameAt(k / 8000.0);
    for (std::size_t p = 0; p < 3; ++p) {
      frames[k].v[p] = static_cast<std::int32_t>(f.v[p] / 676.0f * 8388608.0f);
      frames[k].i[p] = static_cast<std::int32_t>(f.i[p] / 18.0f * 8388608.0f);
    }
  }
  g_allocations = 0;
  g_armed = true;
  const Status status = m.Init(MeterConfig{});
  int windows = 0;
  for (const auto& f : frames) windows += (m.ProcessFrame(f) & kEventWindow) ? 1 : 0;
  g_armed = false;
  EXPECT_EQ(status, Status::kOk);
  EXPECT_GE(windows, 8);
  EXPECT_NEAR(m.LastWindow().phases[0].v_rms, 230.0f * std::sqrt(1.01f), 0.01f);
  EXPECT_EQ(g_allocations.load(), 0);
}

// The whole metering point: registers, pulses and saves included.
class NullPulse final : public hal::PulseOutput {
  void DoSet(bool) override {}
};

TEST(MeterNoHeap, EnergyMeterNeverAllocates) {
  static EnergyMeter em;
  static hal::host::EmulatedFlash flash(4096, 2);  // the backend allocates at construction, before arming
  static NullPulse pulse;
  const auto s = testing::Balanced(50.0, 230.0, 50.0, 30.0);
  static SampleFrame frames[16000];
  for (int k = 0; k < 16000; ++k) frames[k] = s.FrameAt(k / 8000.0);
  EnergyMeterConfig cfg;
  cfg.meter.current_full_scale = 200.0f;
  cfg.save_period_s = 0.5f;
  g_allocations = 0;
  g_armed = true;
  const Status status = em.Init(cfg, &pulse, &flash);
  Status service = Status::kOk;
  for (const auto& f : frames) {
    em.ProcessFrame(f);
    if (Status st = em.Service(); st != Status::kOk) service = st;
  }
  const Status fail_save = em.OnPowerFail();
  g_armed = false;
  EXPECT_EQ(status, Status::kOk);
  EXPECT_EQ(service, Status::kOk);
  EXPECT_EQ(fail_save, Status::kOk);
  EXPECT_GT(em.registers().state().total.kwh_imp.milli(), 0u);
  EXPECT_EQ(g_allocations.load(), 0);
}

}  // namespace
}  // namespace meter
