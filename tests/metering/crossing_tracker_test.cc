// The zero-crossing tracker on its own, float and Q31: where it puts the
// crossings of a clean sine, the queue, the impulse guard, a real step,
// the disabled low-rate case and (float) an overflowing input.
#include "meter/metering/crossing_tracker.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <vector>

#include "meter/dsp/numeric.h"

namespace meter {
namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr float kRate = 8000.0f;

template <typename Numeric>
class CrossingTrackerTest : public testing::Test {
 protected:
  using Sample = typename Numeric::Sample;

  void SetUp() override {
    ASSERT_EQ(tracker_.Init(50.0f, 1.0f, kRate), Status::kOk);
    tracker_.SetHysteresis(ToFilter(0.01f));
    tracker_.SetImpulseThreshold(ToFilter(0.5f));
  }
  static Sample ToFilter(float x) { return Numeric::ForFilter(Numeric::FromFloat(x)); }
  static CrossingTiming Timing() { return CrossingTiming{kRate, 50.0f, kRate / 81.25f, kRate / 36.0f}; }

  // Feeds samples first..first+count-1 of `signal` and collects every
  // crossing the queue gives up, as soon as it does.
  template <typename Signal>
  void Feed(std::uint64_t first, std::uint64_t count, Signal signal) {
    for (std::uint64_t n = first; n < first + count; ++n) {
      tracker_.Take(n, ToFilter(signal(n)), false, Timing, [&](std::uint64_t at) { impulses_.push_back(at); });
      SamplePosition at;
      while (tracker_.PopUpTo(static_cast<std::int64_t>(n) + 1000, at)) crossings_.push_back(at);
    }
  }
  static double Position(const SamplePosition& p) { return static_cast<double>(p.whole) + p.frac; }

  CrossingTracker<Numeric> tracker_{};
  std::vector<SamplePosition> crossings_;
  std::vector<std::uint64_t> impulses_;
};

using Numerics = testing::Types<dsp::FloatNumeric, dsp::Q31Numeric>;
TYPED_TEST_SUITE(CrossingTrackerTest, Numerics);

// 50.3 Hz: the rising crossings lie at k * 8000 / 50.3 samples, between
// samples.
double Sine(std::uint64_t n) { return 0.5 * std::sin(2 * kPi * 50.3 * static_cast<double>(n) / kRate); }
double RisingCrossing(int k) { return k * kRate / 50.3; }

TYPED_TEST(CrossingTrackerTest, CrossingsOfACleanSineLieWhereTheSineCrosses) {
  this->Feed(0, 8000, [](std::uint64_t n) { return static_cast<float>(Sine(n)); });
  ASSERT_GE(this->crossings_.size(), 48u) << "one a cycle, after the band-pass settles";
  // After the band-pass settles (the first ten cycles), every crossing
  // within 0.005 samples of the true one.
  int checked = 0;
  for (const SamplePosition& c : this->crossings_) {
    const double at = this->Position(c);
    const int k = static_cast<int>(std::lround(at / (kRate / 50.3)));
    if (k < 10) continue;
    EXPECT_NEAR(at, RisingCrossing(k), 0.005) << "crossing " << k;
    ++checked;
  }
  EXPECT_GE(checked, 39);
  EXPECT_TRUE(this->impulses_.empty());
}

TYPED_TEST(CrossingTrackerTest, TheQueueKeepsTheNewestFourInOrderAndWaitsForTheProcessingPoint) {
  // Never popped: twenty crossings come, the oldest give way (twenty, so
  // that the band-pass has settled by the four kept).
  for (std::uint64_t n = 0; n < 20 * 160 + 100; ++n)
    this->tracker_.Take(n, this->ToFilter(static_cast<float>(0.5 * std::sin(2 * kPi * 50.0 * n / kRate))), false,
                        this->Timing, [](std::uint64_t) {});
  SamplePosition at;
  EXPECT_FALSE(this->tracker_.PopUpTo(100, at)) << "nothing that early";
  std::vector<double> popped;
  while (this->tracker_.PopUpTo(1 << 20, at)) popped.push_back(this->Position(at));
  ASSERT_EQ(popped.size(), static_cast<std::size_t>(CrossingTracker<TypeParam>::kQueue));
  for (std::size_t k = 1; k < popped.size(); ++k) EXPECT_NEAR(popped[k] - popped[k - 1], 160.0, 0.5);
  EXPECT_GT(popped.back(), 19.5 * 160) << "the newest kept";
  this->tracker_.Take(20 * 160 + 100, this->ToFilter(0.0f), false, this->Timing, [](std::uint64_t) {});
  EXPECT_FALSE(this->tracker_.PopUpTo(1 << 20, at));
}

TYPED_TEST(CrossingTrackerTest, ALoneSpikeIsReplacedAndMovesNoCrossing) {
  constexpr std::uint64_t kSpike = 4000 + 37;  // not at a crossing
  this->Feed(0, 8000, [](std::uint64_t n) { return static_cast<float>(Sine(n) + (n == kSpike ? 3.0 : 0.0)); });
  ASSERT_EQ(this->impulses_.size(), 1u);
  EXPECT_EQ(this->impulses_[0], kSpike);
  for (const SamplePosition& c : this->crossings_) {
    const double at = this->Position(c);
    const int k = static_cast<int>(std::lround(at / (kRate / 50.3)));
    if (k >= 10) {
      EXPECT_NEAR(at, RisingCrossing(k), 0.005) << "crossing " << k << " after the spike";
    }
  }
}

TYPED_TEST(CrossingTrackerTest, ARealStepIsNotAnImpulse) {
  // The signal jumps by 0.8 and stays there for a while.
  this->Feed(0, 8000,
             [](std::uint64_t n) { return static_cast<float>(Sine(n) + (n >= 4000 && n < 4400 ? 0.8 : 0.0)); });
  EXPECT_TRUE(this->impulses_.empty());
}

TYPED_TEST(CrossingTrackerTest, DisabledUnderTwoAndAHalfSamplesACycle) {
  ASSERT_EQ(this->tracker_.Init(50.0f, 1.0f, 120.0f), Status::kOk);
  EXPECT_FALSE(this->tracker_.enabled());
  this->Feed(0, 1000, [](std::uint64_t n) { return static_cast<float>(0.5 * std::sin(2 * kPi * n / 2.4)); });
  EXPECT_TRUE(this->crossings_.empty());
}

TEST(CrossingTrackerFloat, AnOverflowingInputRestartsThePathAndCrossingsReturn) {
  CrossingTracker<dsp::FloatNumeric> tracker;
  ASSERT_EQ(tracker.Init(50.0f, 1.0f, kRate), Status::kOk);
  tracker.SetHysteresis(0.01f);
  tracker.SetImpulseThreshold(0.5f);
  const auto timing = [] { return CrossingTiming{kRate, 50.0f, kRate / 81.25f, kRate / 36.0f}; };
  std::vector<double> after;
  for (std::uint64_t n = 0; n < 8000; ++n) {
    // Samples 2000..2099 at the float's largest value: the filters' state overflows.
    const float x = n >= 2000 && n < 2100 ? 3.4e38f : static_cast<float>(Sine(n));
    tracker.Take(n, x, false, timing, [](std::uint64_t) {});
    SamplePosition at;
    while (tracker.PopUpTo(1 << 20, at))
      if (n > 2100) after.push_back(static_cast<double>(at.whole) + at.frac);
  }
  ASSERT_GE(after.size(), 30u) << "crossings must come back after the overflow";
  EXPECT_NEAR(after.back(), RisingCrossing(static_cast<int>(std::lround(after.back() / (kRate / 50.3)))), 0.005);
}

}  // namespace
}  // namespace meter
