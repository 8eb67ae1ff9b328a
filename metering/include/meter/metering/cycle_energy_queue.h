#pragma once
// The cycle-energy queue, one of BasicMeter's stages: each cycle's record
// goes in as soon as its P and S are known; its Q follows a window later,
// when the window's spectrum gives the Budeanu Q, shared among the window's
// cycles in proportion to their S. The caller takes each record twice, in
// order: once for the active and apparent registers (PopActive), once more
// when its Q is known (PopReactive).
//
// Fixed capacity; a caller that stops draining loses records, counted in
// dropped(), and never stalls the metering.

#include <array>
#include <cstdint>

#include "meter/metering/cycle_energy.h"
#include "meter/metering/window_result.h"

namespace meter {

class CycleEnergyQueue {
 public:
  /// A window's cycles (up to 12) plus the next window's that complete
  /// before its last one is resampled (the kernel's half span later).
  static constexpr int kCapacity = 16;

  /// Takes a cycle whose Q is not known yet. @returns false when the queue
  /// is full (the record is dropped and counted).
  bool Hold(const CycleEnergy& cycle);

  /// Gives the held cycles that end by `up_to_tick` their share of
  /// `window`'s Q: per phase Q/S of the window times each cycle's S, so
  /// the cycles' reactive energy adds up to the window's Q times its
  /// duration. Without a window (or a window without a finite Q) they take
  /// the last known Q/S per phase, `last_q_over_s` (which a window with Q
  /// updates), and are marked q_estimated. `phases` is the wiring's phase
  /// count; `two_wattmeter_total` (3P3W) takes the system Q from the
  /// window's total instead of the sum of the phases.
  /// @returns how many cycles were released.
  int Release(const WindowResult* window, std::uint64_t up_to_tick, int phases, bool two_wattmeter_total,
              std::array<float, 3>& last_q_over_s);

  /// The oldest record not yet taken (its Q not known yet).
  bool PopActive(CycleEnergy& out);
  /// The oldest record already taken by PopActive whose Q is now known.
  bool PopReactive(CycleEnergy& out);

  std::uint32_t dropped() const { return dropped_; }

 private:
  // From the head: records taken by PopActive (active_taken_ of them), then
  // the rest; the newest held_count_ wait for their window's Q.
  std::array<CycleEnergy, kCapacity> records_{};
  int head_ = 0, count_ = 0, held_count_ = 0, active_taken_ = 0;
  std::uint32_t dropped_ = 0;
};

}  // namespace meter
