// The energy meter over DMA blocks (ProcessFrames) gives what it gives frame
// by frame (ProcessFrame): the same events, windows, registers and pulse
// edges, to the bit, float and Q31, for blocks from one frame to more than a
// cycle.
#include <gtest/gtest.h>

#include <bit>
#include <cstdint>
#include <span>
#include <type_traits>
#include <vector>

#include "meter/hal/pulse_output.h"
#include "meter/metering/energy_meter.h"
#include "support/synthetic_signal.h"

namespace meter {
namespace {

// Each switching of the output with the meter's clock at that moment.
template <typename Numeric>
class ClockedPulses final : public hal::PulseOutput {
 public:
  struct Edge {
    std::uint64_t tick;
    bool active;
  };
  explicit ClockedPulses(const BasicEnergyMeter<Numeric>& meter) : meter_(meter) {}
  const std::vector<Edge>& edges() const { return edges_; }

 private:
  void DoSet(bool active) override { edges_.push_back({meter_.now_tick(), active}); }
  const BasicEnergyMeter<Numeric>& meter_;
  std::vector<Edge> edges_;
};

void ExpectSameCounter(const EnergyCounter& a, const EnergyCounter& b, const char* what) {
  EXPECT_EQ(a.milli(), b.milli()) << what;
  EXPECT_EQ(a.remainder(), b.remainder()) << what;
}

void ExpectSameSet(const EnergyState::Set& a, const EnergyState::Set& b) {
  ExpectSameCounter(a.kwh_imp, b.kwh_imp, "kWh import");
  ExpectSameCounter(a.kwh_exp, b.kwh_exp, "kWh export");
  ExpectSameCounter(a.kvarh_imp, b.kvarh_imp, "kvarh import");
  ExpectSameCounter(a.kvarh_exp, b.kvarh_exp, "kvarh export");
  ExpectSameCounter(a.kvah, b.kvah, "kVAh");
  for (std::size_t q = 0; q < 4; ++q) {
    ExpectSameCounter(a.kwh_q[q], b.kwh_q[q], "kWh quadrant");
    ExpectSameCounter(a.kvarh_q[q], b.kvarh_q[q], "kvarh quadrant");
    ExpectSameCounter(a.kvah_q[q], b.kvah_q[q], "kVAh quadrant");
  }
}

void ExpectSameWindow(const WindowResult& a, const WindowResult& b) {
  const auto bits = [](float x) { return std::bit_cast<std::uint32_t>(x); };
  EXPECT_EQ(a.sequence, b.sequence);
  EXPECT_EQ(a.end_sample, b.end_sample);
  EXPECT_EQ(bits(a.end_frac), bits(b.end_frac));
  EXPECT_EQ(bits(a.f_hz), bits(b.f_hz));
  EXPECT_EQ(a.flags, b.flags);
  for (std::size_t p = 0; p < 3; ++p) {
    const PhaseValues& x = a.phases[p];
    const PhaseValues& y = b.phases[p];
    for (auto [u, v] : {std::pair{x.v_rms, y.v_rms},
                        {x.i_rms, y.i_rms},
                        {x.p_w, y.p_w},
                        {x.q_var, y.q_var},
                        {x.s_va, y.s_va},
                        {x.p1_w, y.p1_w},
                        {x.q1_var, y.q1_var},
                        {x.thd_v_pct, y.thd_v_pct},
                        {x.thd_i_pct, y.thd_i_pct}}) {
      EXPECT_EQ(bits(u), bits(v)) << "phase " << p;
    }
  }
}

// With a pulse output (every frame's tick goes to it) or without (the clock
// moves a stretch at a time).
template <typename Numeric>
void ExpectBlocksEqualFrameByFrame(bool with_pulses) {
  using Input = typename BasicEnergyMeter<Numeric>::Input;
  static BasicEnergyMeter<Numeric> by_frame, by_block;
  EnergyMeterConfig cfg;
  cfg.meter.current_full_scale = 100.0f;
  // 3 x 230 V x 40 A at 30 degrees (23.9 kW): a 1 Wh pulse every 0.15 s.
  ClockedPulses<Numeric> frame_pulses(by_frame), block_pulses(by_block);
  ASSERT_EQ(by_frame.Init(cfg, with_pulses ? &frame_pulses : nullptr, nullptr), Status::kOk);
  ASSERT_EQ(by_block.Init(cfg, with_pulses ? &block_pulses : nullptr, nullptr), Status::kOk);
  const testing::ThreePhaseSignal s = testing::Balanced(50.2, 230.0, 40.0, 30.0, {{5, 0.05}, {7, 0.03}}, {{5, 0.2}});
  const double fs = cfg.meter.sample_rate_hz;
  std::vector<Input> frames(static_cast<std::size_t>(3.0 * fs));
  for (std::size_t k = 0; k < frames.size(); ++k) {
    const SampleFrame f = s.FrameAt(static_cast<double>(k) / fs);
    if constexpr (std::is_same_v<Numeric, dsp::FloatNumeric>) {
      frames[k] = f;
    } else {
      for (std::size_t p = 0; p < 3; ++p) {  // 24-bit codes at the configured full scales
        frames[k].v[p] = static_cast<std::int32_t>(f.v[p] / cfg.meter.voltage_full_scale * 8388608.0f);
        frames[k].i[p] = static_cast<std::int32_t>(f.i[p] / cfg.meter.current_full_scale * 8388608.0f);
      }
    }
  }
  // Blocks of 1, 7, 80, 333 (more than a cycle) and 2 frames, in turn.
  const std::size_t sizes[] = {1, 7, 80, 333, 2};
  std::size_t at = 0, windows = 0;
  for (std::size_t b = 0; at < frames.size(); ++b) {
    const std::size_t n = std::min(sizes[b % std::size(sizes)], frames.size() - at);
    std::uint8_t frame_events = 0;
    for (std::size_t k = at; k < at + n; ++k) {
      frame_events = static_cast<std::uint8_t>(frame_events | by_frame.ProcessFrame(frames[k]));
    }
    const std::uint8_t block_events = by_block.ProcessFrames(std::span<const Input>(&frames[at], n));
    ASSERT_EQ(block_events, frame_events) << "block at frame " << at;
    if (block_events & kEventWindow) {  // at most one window (0.2 s) a block
      ++windows;
      ExpectSameWindow(by_block.meter().LastWindow(), by_frame.meter().LastWindow());
    }
    at += n;
  }
  EXPECT_GE(windows, 14u);
  const EnergyState& a = by_block.registers().state();
  const EnergyState& e = by_frame.registers().state();
  ExpectSameSet(a.total, e.total);
  for (std::size_t p = 0; p < 3; ++p) {
    ExpectSameCounter(a.phases[p].kwh_imp, e.phases[p].kwh_imp, "phase kWh import");
    ExpectSameCounter(a.phases[p].kvarh_imp, e.phases[p].kvarh_imp, "phase kvarh import");
  }
  EXPECT_EQ(a.on_ticks, e.on_ticks);
  EXPECT_EQ(a.import_ticks, e.import_ticks);
  EXPECT_EQ(by_block.now_tick(), by_frame.now_tick());
  EXPECT_GT(a.total.kwh_imp.milli(), 10u);
  if (!with_pulses) return;
  // The same pulse edges, at the same ticks of the meter's clock.
  EXPECT_GE(block_pulses.edges().size(), 20u);
  ASSERT_EQ(block_pulses.edges().size(), frame_pulses.edges().size());
  for (std::size_t k = 0; k < block_pulses.edges().size(); ++k) {
    EXPECT_EQ(block_pulses.edges()[k].active, frame_pulses.edges()[k].active) << k;
    EXPECT_EQ(block_pulses.edges()[k].tick, frame_pulses.edges()[k].tick) << k;
  }
}

template <typename Numeric>
class EnergyMeterBlocks : public ::testing::Test {};
using Policies = ::testing::Types<dsp::FloatNumeric, dsp::Q31Numeric>;
TYPED_TEST_SUITE(EnergyMeterBlocks, Policies);

TYPED_TEST(EnergyMeterBlocks, BlocksEqualFrameByFrameWithPulses) { ExpectBlocksEqualFrameByFrame<TypeParam>(true); }
TYPED_TEST(EnergyMeterBlocks, BlocksEqualFrameByFrameWithoutPulses) { ExpectBlocksEqualFrameByFrame<TypeParam>(false); }

}  // namespace
}  // namespace meter
