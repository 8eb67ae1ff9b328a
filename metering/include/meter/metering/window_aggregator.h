#pragma once
// Window aggregation, one of BasicMeter's stages: the IEC 61000-4-30
// 150/180-cycle value (15 windows of 10/12 cycles) from the windows as they
// are published. rms values are quadratic means of the windows' rms (every
// window holds the same number of cycles); P, Q and S are means weighted by
// each window's duration, so a window shortened by a frequency step counts
// for what it lasted. Per-harmonic figures (P1, Q1, THD) are not aggregated:
// they come out NaN.

#include <cstdint>

#include "meter/metering/window_result.h"

namespace meter {

class WindowAggregator {
 public:
  static constexpr int kWindowsPerAggregate = 15;

  /// Adds a published window. @returns true when it completed an aggregate,
  /// which last() then holds; the next window starts the next one.
  bool Add(const WindowResult& window);

  /// The last completed aggregate (all zero before the first).
  const AggregateResult& last() const { return last_; }
  /// Windows added to the aggregate in progress.
  int windows_in_progress() const { return windows_; }

 private:
  AggregateResult last_{};
  // Sums: squares of rms, products of power and duration, total duration.
  AggregateResult sums_{};
  int windows_ = 0;
  std::uint32_t sequence_ = 0;
};

}  // namespace meter
