// The snapshot channel: readers never see a snapshot written halfway.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "meter/interfaces/snapshot.h"

namespace meter::interfaces {
namespace {

// Every value of publication n is derived from n, so a reader can tell a
// snapshot mixed from two publications.
MeterSnapshot Stamped(std::uint64_t n) {
  MeterSnapshot s;
  s.publication = n;
  s.time_unix_s = static_cast<double>(n);
  s.window.sequence = static_cast<std::uint32_t>(n);
  for (auto& ph : s.window.phases) ph.v_rms = ph.p_w = static_cast<float>(n % 100000);
  s.window.total.p_w = static_cast<float>(n % 100000);
  for (auto& row : s.spectrum.magnitude) row.back() = static_cast<float>(n % 100000);
  s.registers.total.kwh_imp.Restore(n, n);
  s.registers.phases[2].kvarh_exp.Restore(n * 3, 0);
  s.lost_frames = n;
  return s;
}

bool Consistent(const MeterSnapshot& s) {
  const std::uint64_t n = s.publication;
  const auto f = static_cast<float>(n % 100000);
  bool ok = s.time_unix_s == static_cast<double>(n) && s.window.sequence == static_cast<std::uint32_t>(n) &&
            s.window.total.p_w == f && s.registers.total.kwh_imp.milli() == n &&
            s.registers.total.kwh_imp.remainder() == n && s.registers.phases[2].kvarh_exp.milli() == n * 3 &&
            s.lost_frames == n;
  for (const auto& ph : s.window.phases) ok = ok && ph.v_rms == f && ph.p_w == f;
  for (const auto& row : s.spectrum.magnitude) ok = ok && row.back() == f;
  return ok;
}

TEST(SnapshotChannel, StartsEmpty) {
  SnapshotChannel channel;
  const MeterSnapshot s = channel.Read();
  EXPECT_EQ(s.publication, 0u);
  EXPECT_FALSE(s.registers_ready);
  EXPECT_FALSE(s.has_window);
}

TEST(SnapshotChannel, ReadersNeverSeeATornSnapshot) {
  SnapshotChannel channel;
  std::atomic<bool> done{false};
  std::atomic<std::uint64_t> reads{0}, torn{0}, backwards{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < 3; ++r) {
    readers.emplace_back([&] {
      std::uint64_t last = 0;
      while (!done.load(std::memory_order_relaxed)) {
        const MeterSnapshot s = channel.Read();
        if (!Consistent(s)) torn.fetch_add(1);
        if (s.publication < last) backwards.fetch_add(1);
        last = s.publication;
        reads.fetch_add(1);
      }
    });
  }
  // The writer publishes as fast as it can: far harder than one window per
  // 200 ms.
  constexpr std::uint64_t kPublications = 200000;
  for (std::uint64_t n = 1; n <= kPublications; ++n) channel.Publish(Stamped(n));
  done = true;
  for (auto& t : readers) t.join();
  EXPECT_EQ(torn.load(), 0u);
  EXPECT_EQ(backwards.load(), 0u);
  EXPECT_GT(reads.load(), 1000u);
  EXPECT_EQ(channel.Read().publication, kPublications);
}

}  // namespace
}  // namespace meter::interfaces
