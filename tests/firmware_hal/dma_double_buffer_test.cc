// The DMA double buffer's hand-over rules: blocks in order, lapped blocks
// counted as lost, a block overwritten while being read reported.
#include "meter/hal/dma_double_buffer.h"

#include <gtest/gtest.h>

namespace meter::hal {
namespace {

using Buffer = DmaDoubleBuffer<int, 4>;

// A software "DMA": fills the next half with consecutive numbers and calls the hook.
void Produce(Buffer& b, int& next) {
  for (int& x : b.half(b.producer_half())) x = next++;
  b.OnBlockReady();
}

TEST(DmaDoubleBuffer, NothingReadyGivesAnEmptyBlock) {
  Buffer b;
  EXPECT_TRUE(b.Take().frames.empty());
  EXPECT_EQ(b.Release(), Status::kFailedPrecondition);
}

TEST(DmaDoubleBuffer, BlocksArriveInOrderFromAlternatingHalves) {
  Buffer b;
  int next = 0;
  for (int block = 0; block < 5; ++block) {
    Produce(b, next);
    const auto taken = b.Take();
    ASSERT_EQ(taken.frames.size(), 4u);
    EXPECT_EQ(taken.lost_frames, 0u);
    for (int k = 0; k < 4; ++k) EXPECT_EQ(taken.frames[static_cast<std::size_t>(k)], block * 4 + k);
    EXPECT_EQ(b.Release(), Status::kOk);
  }
  EXPECT_EQ(b.lost_frames(), 0u);
}

TEST(DmaDoubleBuffer, TwoReadyBlocksAreBothIntactWhenTakenBeforeTheThird) {
  Buffer b;
  int next = 0;
  Produce(b, next);
  const auto first = b.Take();
  EXPECT_EQ(first.frames[0], 0);
  // The next block completes while the first is processed: the DMA is now
  // back in the first block's half.
  Produce(b, next);
  EXPECT_EQ(b.Release(), Status::kDataLoss);
  EXPECT_EQ(b.overrun_blocks(), 1u);
  const auto second = b.Take();
  EXPECT_EQ(second.lost_frames, 0u);
  EXPECT_EQ(second.frames[0], 4);
}

TEST(DmaDoubleBuffer, LappedBlocksAreSkippedAndCounted) {
  Buffer b;
  int next = 0;
  for (int k = 0; k < 5; ++k) Produce(b, next);  // blocks 0..4, loop asleep
  const auto taken = b.Take();
  // Only the newest block is intact; blocks 0..3 are lost.
  EXPECT_EQ(taken.lost_frames, 16u);
  EXPECT_EQ(taken.frames[0], 16);
  EXPECT_EQ(b.Release(), Status::kOk);
  EXPECT_EQ(b.lost_frames(), 16u);
  EXPECT_TRUE(b.Take().frames.empty());
}

TEST(DmaDoubleBuffer, CounterWrapKeepsDifferencesExact) {
  Buffer b;
  int next = 0;
  // 2^32 + 3 blocks would take too long; the arithmetic is unsigned
  // differences, checked here over many hand-overs.
  for (int k = 0; k < 100000; ++k) {
    Produce(b, next);
    ASSERT_FALSE(b.Take().frames.empty());
    ASSERT_EQ(b.Release(), Status::kOk);
  }
  EXPECT_EQ(b.lost_frames(), 0u);
}

}  // namespace
}  // namespace meter::hal
