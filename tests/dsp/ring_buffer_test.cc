#include "meter/dsp/ring_buffer.h"

#include <gtest/gtest.h>

#include <cstdint>

namespace meter::dsp {
namespace {

// Absolute sample numbers map onto the storage by a mask; a run of samples
// is handed out as one array only when it does not cross the storage's end,
// and then reads the same values as At().
TEST(SampleHistory, ContiguousRunsReadWhatAtReads) {
  SampleHistory<int, 16> h;
  for (std::uint64_t n = 100; n < 132; ++n) h.Put(n, static_cast<int>(n));
  for (std::uint64_t first = 116; first + 5 <= 132; ++first) {
    const int* run = h.Contiguous(first, 5);
    const bool wraps = (first & 15u) + 5 > 16;
    ASSERT_EQ(run == nullptr, wraps) << "first " << first;
    if (run != nullptr) {
      for (int k = 0; k < 5; ++k) EXPECT_EQ(run[k], h.At(first + static_cast<std::uint64_t>(k))) << "first " << first;
    }
  }
  // ReadRun hands out the same samples whether or not the run wraps.
  for (std::uint64_t first = 116; first + 5 <= 132; ++first) {
    const int sum =
        h.ReadRun(first, 5, [](auto sample) { return sample(0) + sample(1) + sample(2) + sample(3) + sample(4); });
    EXPECT_EQ(sum, static_cast<int>(5 * first + 10)) << "first " << first;
  }
  // A run as long as the storage fits only from its start.
  EXPECT_NE(h.Contiguous(128, 16), nullptr);
  EXPECT_EQ(h.Contiguous(129, 16), nullptr);
}

}  // namespace
}  // namespace meter::dsp
