// The quantity integrator on its own, float and Q31: a tone's mean squares
// and power over a whole cycle, the DC shifts taken off, the current read
// at its compensated position, 3P3W's star point and two-wattmeter
// product, and every run loop the target has against the per-sample loop
// (Q31 to the bit, float to rounding).
#include "meter/metering/quantity_integrator.h"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <cstdint>

#include "meter/dsp/numeric.h"

namespace meter {
namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr int kCycle = 160;   // samples: 50 Hz at 8 kSPS
constexpr double kPhi = 0.5;  // current lag, radians

template <typename Numeric>
class QuantityIntegratorTest : public testing::Test {
 protected:
  using Integrator = QuantityIntegrator<Numeric>;
  using RunLoop = typename Integrator::RunLoop;
  using Integrals = std::array<float, kQuantityCount>;

  void SetUp() override { Configure(Wiring::k3P4W); }
  void Configure(Wiring wiring) {
    config_.wiring = wiring;
    ASSERT_EQ(conditioner_.Init(config_), Status::kOk);
    integrator_.Init(wiring);
    integrator_.SetCompensation({0.0f, 0.0f, 0.0f}, conditioner_);
    for (std::size_t k = 0; k < static_cast<std::size_t>(kQuantityCount); ++k) scale_[k] = Numeric::kProductScale;
    for (std::size_t p = 0; p < 3; ++p) {
      for (const int sum : {kQvSum, kQiSum, kQicSum})
        scale_[p * kPerPhase + static_cast<std::size_t>(sum)] = Numeric::ToFloat(1);
    }
  }
  // Phase p's voltage and current at sample n: tones 120 degrees apart, the
  // current lagging by kPhi, plus `dc` on every channel.
  static double V(std::uint64_t n, std::size_t p) {
    return 0.5 * std::sin(2 * kPi * static_cast<double>(n) / kCycle - 2 * kPi / 3 * static_cast<double>(p));
  }
  static double I(std::uint64_t n, std::size_t p) {
    return 0.25 * std::sin(2 * kPi * static_cast<double>(n) / kCycle - 2 * kPi / 3 * static_cast<double>(p) - kPhi);
  }
  void Put(std::uint64_t n, float dc = 0.0f) {
    typename Integrator::Frame f{};
    for (std::size_t p = 0; p < 3; ++p) {
      f[p] = Numeric::FromFloat(static_cast<float>(V(n, p)) + dc);
      f[3 + p] = Numeric::FromFloat(static_cast<float>(I(n, p)) + dc);
    }
    history_.Put(n, f);
  }
  // Samples 0 .. end + 4 in the history; integrates from sample 0 with an
  // edge on every `cycle`th sample up to `end` (an edge on sample e closes
  // when sample e + 1 comes, at fraction 0); returns the last closed
  // interval's integrals.
  Integrals Run(std::uint64_t end, std::uint64_t cycle, float dc = 0.0f) {
    for (std::uint64_t n = 0; n <= end + 4; ++n) Put(n, dc);
    Integrals last{};
    integrator_.Start(history_, 0);
    for (std::uint64_t m = 1; m <= end + 1; ++m) {
      if ((m - 1) % cycle == 0 && m > 1) {
        integrator_.CloseAt(history_, m, 0.0f, scale_, last);
      } else {
        integrator_.Defer(history_, m);
      }
    }
    return last;
  }

  MeterConfig config_{};
  InputConditioner<Numeric> conditioner_{};
  Integrator integrator_{};
  Integrals scale_{};
  static inline typename Integrator::History history_{};
};

using Numerics = testing::Types<dsp::FloatNumeric, dsp::Q31Numeric>;
TYPED_TEST_SUITE(QuantityIntegratorTest, Numerics);

TYPED_TEST(QuantityIntegratorTest, ATonesMeanSquaresAndPowerOverOneCycle) {
  const auto q = this->Run(kCycle, kCycle);
  for (std::size_t p = 0; p < 3; ++p) {
    const std::size_t base = p * kPerPhase;
    EXPECT_NEAR(q[base + kQvv] / kCycle, 0.5 * 0.5 / 2, 1e-6) << "phase " << p;
    EXPECT_NEAR(q[base + kQii] / kCycle, 0.25 * 0.25 / 2, 1e-6) << "phase " << p;
    EXPECT_NEAR(q[base + kQvic] / kCycle, 0.5 * 0.25 / 2 * std::cos(kPhi), 1e-6) << "phase " << p;
    EXPECT_NEAR(q[base + kQvSum] / kCycle, 0.0, 1e-6) << "phase " << p;
  }
  // Line to line: sqrt(3) times the phase voltage; a balanced neutral: none.
  EXPECT_NEAR(q[kQLineToLine] / kCycle, 3 * 0.5 * 0.5 / 2, 1e-5);
  EXPECT_NEAR(q[kQNeutral] / kCycle, 0.0, 1e-6);
}

TYPED_TEST(QuantityIntegratorTest, TheDcShiftsAreTakenOff) {
  const auto clean = this->Run(kCycle, kCycle);
  constexpr float kDc = 0.125f;
  const typename TestFixture::Integrator::Sample shift = TypeParam::FromFloat(kDc);
  this->integrator_.Init(Wiring::k3P4W);
  this->integrator_.SetDcShifts({shift, shift, shift}, {shift, shift, shift}, this->conditioner_);
  this->integrator_.SetCompensation({0.0f, 0.0f, 0.0f}, this->conditioner_);
  const auto shifted = this->Run(kCycle, kCycle, kDc);
  for (std::size_t k = 0; k < kQuantityCount - 1; ++k) EXPECT_NEAR(shifted[k], clean[k], 2e-5) << "quantity " << k;
}

TYPED_TEST(QuantityIntegratorTest, TheCurrentIsReadAtItsCompensatedPosition) {
  // One and a half samples of advance: the compensated current leads by
  // 1.5 / 160 of a cycle, so V x Ic takes that much off the lag.
  this->integrator_.SetCompensation({1.5f, 1.5f, 1.5f}, this->conditioner_);
  const auto q = this->Run(kCycle, kCycle);
  const double lag = kPhi - 2 * kPi * 1.5 / kCycle;
  for (std::size_t p = 0; p < 3; ++p) {
    // Cubic Lagrange on a 50 Hz tone at 8 kSPS: amplitude within 1e-5.
    EXPECT_NEAR(q[p * kPerPhase + kQvic] / kCycle, 0.5 * 0.25 / 2 * std::cos(lag), 2e-6) << "phase " << p;
    EXPECT_NEAR(q[p * kPerPhase + kQii] / kCycle, 0.25 * 0.25 / 2, 1e-6) << "uncompensated";
  }
}

TYPED_TEST(QuantityIntegratorTest, ThreeWireTakesTheStarPointAndTwoWattmeters) {
  this->Configure(Wiring::k3P3W);
  const auto q = this->Run(kCycle, kCycle);
  // Balanced: the star point is the neutral, and the two wattmeters' total
  // is the three phases' power.
  EXPECT_NEAR(q[kQTwoWattmeter] / kCycle, 3 * 0.5 * 0.25 / 2 * std::cos(kPhi), 1e-5);
  EXPECT_NEAR(q[kQvv] / kCycle, 0.5 * 0.5 / 2, 1e-6);
  EXPECT_EQ(this->integrator_.ActiveRunLoop(), TestFixture::RunLoop::kPerSample) << "3P3W stays per sample";
}

TYPED_TEST(QuantityIntegratorTest, EveryRunLoopGivesThePerSampleSums) {
  using Loop = typename TestFixture::RunLoop;
  // Edges every 97 samples (runs of every length up to kMaxRun meet them),
  // an advance of 1.25 samples, DC shifts.
  const auto run = [&](Loop limit, Loop& active) {
    this->integrator_.Init(Wiring::k3P4W);
    const auto shift = TypeParam::FromFloat(0.01f);
    this->integrator_.SetDcShifts({shift, shift, shift}, {shift, shift, shift}, this->conditioner_);
    this->integrator_.SetCompensation({1.25f, 1.25f, 1.25f}, this->conditioner_);
    this->integrator_.LimitRunLoop(limit, this->history_, this->conditioner_);
    active = this->integrator_.ActiveRunLoop();
    return this->Run(200, 97);
  };
  Loop active{};
  const auto reference = run(Loop::kPerSample, active);
  ASSERT_EQ(active, Loop::kPerSample);
  int compared = 0;
  for (const Loop limit : {Loop::kPhases, Loop::kVector}) {
    const auto sums = run(limit, active);
    if (active == Loop::kPerSample) continue;  // not on this target
    ++compared;
    for (std::size_t k = 0; k < kQuantityCount; ++k) {
      if constexpr (TypeParam::kFixedPoint) {
        EXPECT_EQ(sums[k], reference[k]) << "quantity " << k << ", loop " << static_cast<int>(active);
      } else {
        // To rounding: the interval's 97 terms are each below 0.6 in size,
        // and the vector loop rounds each (fused) step differently: a few
        // float epsilons of their total.
        EXPECT_NEAR(sums[k], reference[k], 4 * 97 * 0.6 * 1.2e-7) << "quantity " << k;
      }
    }
  }
  if (compared == 0) GTEST_SKIP() << "no run loop but the per-sample one on this target";
}

}  // namespace
}  // namespace meter
