// The cycle-resampling stage on its own, float and Q31: a tone comes out at
// the resampled points as the interpolator's response says, less the DC
// shifts; a cycle whose point windows wrap around the end of the history's
// storage gives the same points, to the bit, as the same cycle lying in one
// piece.
#include "meter/metering/cycle_resampler.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>

namespace meter {
namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kRate = 8000.0;

template <typename Numeric>
class CycleResamplerTest : public testing::Test {
 protected:
  using Resampler = CycleResampler<Numeric>;
  using Frame = typename Resampler::Frame;

  void SetUp() override { ASSERT_EQ(resampler_.Init(0.45f * 5760.0f / 8000.0f), Status::kOk); }

  // Channel ch of sample n: a tone of `period` samples, a phase per channel
  // and a DC offset of 0.05 per channel.
  static double Signal(std::uint64_t n, std::size_t ch, double period) {
    return 0.05 * static_cast<double>(ch) + 0.5 * std::sin(2 * kPi * static_cast<double>(n) / period + 0.7 * ch);
  }
  void Fill(std::uint64_t first, std::uint64_t count, double period) {
    for (std::uint64_t n = first; n < first + count; ++n) {
      Frame f{};
      for (std::size_t ch = 0; ch < 6; ++ch) f[ch] = Numeric::FromFloat(static_cast<float>(Signal(n, ch, period)));
      history_.Put(n, f);
    }
  }
  static Frame Shifts() {
    Frame dc{};
    for (std::size_t ch = 0; ch < 6; ++ch) dc[ch] = Numeric::FromFloat(0.05f * static_cast<float>(ch));
    return dc;
  }

  static inline Resampler resampler_{};
  static inline typename Resampler::History history_{};
  static inline typename Resampler::CyclePoints points_{};
};

using Numerics = testing::Types<dsp::FloatNumeric, dsp::Q31Numeric>;
TYPED_TEST_SUITE(CycleResamplerTest, Numerics);

TYPED_TEST(CycleResamplerTest, AToneComesOutAsTheResponseSaysLessTheShifts) {
  const double period = kRate / 50.3;
  // The cycle and the kernel's reach either side, no more than the
  // smallest history (256 frames) holds.
  this->Fill(260, 240, period);
  const SamplePosition start{300, 0.25f};
  const SamplePosition end{300 + static_cast<std::int64_t>(period),
                           0.25f + static_cast<float>(period - std::floor(period))};
  ASSERT_TRUE(this->resampler_.Resample(this->history_, start, end, this->Shifts(), false, this->points_));
  const double gain = this->resampler_.interpolator().Response(static_cast<float>(50.3 / kRate));
  const double step = static_cast<double>(Span(start, end)) / dsp::kPointsPerCycle;
  double worst = 0;
  for (std::size_t ch = 0; ch < 6; ++ch) {
    for (int j = 0; j < dsp::kPointsPerCycle; ++j) {
      const double at = static_cast<double>(start.whole) + start.frac + j * step;
      const double want = gain * 0.5 * std::sin(2 * kPi * at / period + 0.7 * ch);
      worst = std::fmax(worst, std::fabs(TypeParam::ToFloat(this->points_[ch][static_cast<std::size_t>(j)]) - want));
    }
  }
  // What the spectrum needs: every point within 1e-4 of the peak (0.5), so
  // P1 and Q1 stay within 1e-4 of S. Measured: 7.6e-6 (float and Q31; the
  // kernel's coefficient tables, not the number format).
  EXPECT_LT(worst, 1e-4 * 0.5);
}

TYPED_TEST(CycleResamplerTest, AWrappedCycleGivesTheSamePointsAsOneInOnePiece) {
  // A tone of exactly 160 samples: the cycle from 160 k + 37.4 has the same
  // samples for every k. The first (k = 0) lies in one piece; the one that
  // reaches past the end of the history's storage has point windows across
  // it.
  constexpr std::size_t kHistory = CycleResampler<TypeParam>::kHistory;
  const std::uint64_t wrapping_k = kHistory / 160;  // its cycle reaches past the storage's end
  ASSERT_LT(160 * wrapping_k + 37, kHistory);
  ASSERT_GT(160 * wrapping_k + 37 + 160, kHistory);
  const auto cycle_at = [&](std::uint64_t k, typename TestFixture::Resampler::CyclePoints& out) {
    const auto first = static_cast<std::int64_t>(160 * k + 37);
    return this->resampler_.Resample(this->history_, SamplePosition{first, 0.4f}, SamplePosition{first + 160, 0.4f},
                                     this->Shifts(), false, out);
  };
  // Each cycle with the kernel's reach either side: 240 frames, which the
  // smallest history (256) holds.
  static typename TestFixture::Resampler::CyclePoints in_one_piece{};
  this->Fill(0, 240, 160.0);
  ASSERT_TRUE(cycle_at(0, in_one_piece));
  this->Fill(160 * wrapping_k, 240, 160.0);
  ASSERT_TRUE(cycle_at(wrapping_k, this->points_));
  EXPECT_EQ(in_one_piece, this->points_);
}

TEST(CycleResamplerQ31, ShiftsInTheSumsStartGiveThePointsLessTheShifts) {
  // Where nothing can saturate the meter lets the Q31 resampler start its
  // sums at the shifts: the same points as subtracting them afterwards.
  static CycleResampler<dsp::Q31Numeric> resampler;
  static CycleResampler<dsp::Q31Numeric>::History history;
  static CycleResampler<dsp::Q31Numeric>::CyclePoints after, in_sums;
  ASSERT_EQ(resampler.Init(0.45f * 5760.0f / 8000.0f), Status::kOk);
  CycleResampler<dsp::Q31Numeric>::Frame dc{};
  for (std::uint64_t n = 0; n < 600; ++n) {
    CycleResampler<dsp::Q31Numeric>::Frame f{};
    for (std::size_t ch = 0; ch < 6; ++ch)
      f[ch] = dsp::Q31Numeric::FromFloat(static_cast<float>(0.1 * ch + 0.4 * std::sin(2 * kPi * n / 159.0 + ch)));
    history.Put(n, f);
  }
  for (std::size_t ch = 0; ch < 6; ++ch) dc[ch] = dsp::Q31Numeric::FromFloat(0.1f * static_cast<float>(ch));
  ASSERT_TRUE(resampler.Resample(history, {200, 0.1f}, {359, 0.1f}, dc, false, after));
  ASSERT_TRUE(resampler.Resample(history, {200, 0.1f}, {359, 0.1f}, dc, true, in_sums));
  int differing = 0;
  for (std::size_t ch = 0; ch < 6; ++ch)
    for (int j = 0; j < dsp::kPointsPerCycle; ++j)
      differing += std::abs(after[ch][static_cast<std::size_t>(j)] - in_sums[ch][static_cast<std::size_t>(j)]) > 1;
  EXPECT_EQ(differing, 0) << "at most one code apart (one rounding)";
}

}  // namespace
}  // namespace meter
