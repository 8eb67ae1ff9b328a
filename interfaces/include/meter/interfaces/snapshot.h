#pragma once
// What the metering loop hands to the meter's interfaces (Modbus, P1, and
// later MQTT and HTTPS) after every window: the window's values and flags,
// its spectrum, every register, a sequence number and a time stamp.
//
// SnapshotChannel is a sequence lock with one writer (the metering loop) and
// any number of readers (interface threads). The writer never blocks and
// never waits for a reader: it bumps the sequence to odd, stores, and bumps
// it to even. A reader copies and retries when the sequence moved, so it
// only ever returns a snapshot written whole. The payload is stored as
// relaxed atomic words, so concurrent copies are not a data race in C++'s
// memory model (and ThreadSanitizer agrees).

#include <array>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "meter/metering/config.h"
#include "meter/metering/energy_registers.h"
#include "meter/metering/harmonic_spectrum.h"
#include "meter/metering/window_result.h"

namespace meter::interfaces {

struct MeterSnapshot {
  /// Publications so far: 0 means nothing was published yet.
  std::uint64_t publication = 0;
  /// Wall-clock time of the window's end, seconds since the Unix epoch.
  double time_unix_s = 0;
  /// End of the window, seconds from the source's first sample.
  double t_s = 0;
  /// The window's end on the sample clock, seconds since the Unix epoch: the
  /// wall clock for a live device; for a file, the wall clock at the start
  /// plus t_s, so that a replay at any speed has the recording's timeline
  /// (the load profile's intervals follow it).
  double sample_time_unix_s = 0;
  /// False until the persisted registers are restored (or the store is known
  /// to be new): no interface may report an energy total before that.
  bool registers_ready = false;
  /// False until the first window: instantaneous values are not known yet.
  bool has_window = false;
  /// True when this publication carries a window not published before (a
  /// publication of registers alone repeats the last window).
  bool window_is_new = false;
  Wiring wiring = Wiring::k3P4W;
  WindowResult window{};
  HarmonicSpectrum spectrum{};
  EnergyState registers{};
  /// The registers as last written to the store (restored ones at start):
  /// what a consumer that must never see a total go backwards across a
  /// crash and restart reads (MQTT). At most one save period behind.
  EnergyState saved_registers{};
  /// Frames the acquisition dropped because the loop was late (0 when the
  /// loop keeps every sample).
  std::uint64_t lost_frames = 0;
  /// Ticks per second of the registers' hour meters.
  double ticks_per_second = 0;
};

template <typename T>
class SeqLock {
  static_assert(std::is_trivially_copyable_v<T>, "the payload is copied word by word");
  static constexpr std::size_t kWords = (sizeof(T) + sizeof(std::uint64_t) - 1) / sizeof(std::uint64_t);

 public:
  SeqLock() { Publish(T{}); }

  /// Writer side (one thread only). Never blocks.
  void Publish(const T& value) {
    std::array<std::uint64_t, kWords> words{};
    std::memcpy(words.data(), &value, sizeof(T));
    const std::uint64_t s = sequence_.load(std::memory_order_relaxed);
    sequence_.store(s + 1, std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_release);
    for (std::size_t k = 0; k < kWords; ++k) words_[k].store(words[k], std::memory_order_relaxed);
    sequence_.store(s + 2, std::memory_order_release);
  }

  /// Reader side (any thread): the latest complete value.
  T Read() const {
    std::array<std::uint64_t, kWords> words{};
    for (;;) {
      const std::uint64_t before = sequence_.load(std::memory_order_acquire);
      if ((before & 1u) != 0) continue;  // a write is in progress
      for (std::size_t k = 0; k < kWords; ++k) words[k] = words_[k].load(std::memory_order_relaxed);
      std::atomic_thread_fence(std::memory_order_acquire);
      if (sequence_.load(std::memory_order_relaxed) == before) break;
    }
    T value;
    std::memcpy(static_cast<void*>(&value), words.data(), sizeof(T));
    return value;
  }

  /// Completed writes so far (twice the count: even when idle).
  std::uint64_t version() const { return sequence_.load(std::memory_order_acquire); }

 private:
  std::atomic<std::uint64_t> sequence_{0};
  std::array<std::atomic<std::uint64_t>, kWords> words_{};
};

using SnapshotChannel = SeqLock<MeterSnapshot>;

}  // namespace meter::interfaces
