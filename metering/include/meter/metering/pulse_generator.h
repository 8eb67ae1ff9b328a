#pragma once
// The pulse output of an energy register (IEC 62053-31 S0 style): one pulse
// per `weight` of energy, at most 16 per second, each active for at least
// 30 ms. Pulses are derived from the integer register itself, so over any
// interval the pulse count and the register agree to within the pulses
// still queued, and a cycle (20 ms) adds at most a fraction of a pulse at
// 16 Hz: the queue never holds more than one.

#include <cstdint>

#include "meter/hal/pulse_output.h"
#include "meter/status.h"

namespace meter {

/// The reference meter's pulse weight, in Wh per pulse: by CT ratio for the
/// 5 A input (0.001 kWh up to ratio 7, 0.01 up to 70, 0.1 up to 700, else 1)
/// and by rated primary current for the 333 mV input (35 / 350 / 3500 A).
enum class CurrentInput : std::uint8_t { kSensor333mV, kCt5A };
std::uint64_t ReferencePulseWeightWh(CurrentInput input, float ct_ratio_or_primary_a);

class PulseGenerator {
 public:
  static constexpr float kMaxRateHz = 16.0f;
  static constexpr float kWidthS = 0.032f;  ///< >= 30 ms, and 16 Hz still has a 30 ms gap

  /// @param weight_milli register milli-units per pulse (mWh: 1 Wh = 1000).
  /// @param ticks_per_second the time axis of Update().
  /// @param register_milli the register's value now (pulses count from here).
  /// @returns kInvalidArgument for a zero weight or time base.
  Status Init(std::uint64_t weight_milli, double ticks_per_second, std::uint64_t register_milli);

  /// Call often (every frame): emits queued pulses at the allowed rate.
  void Update(std::uint64_t register_milli, std::uint64_t now_tick, hal::PulseOutput& out);

  /// The first tick at which Update can change the output while the
  /// register stays at `register_milli` (UINT64_MAX: not before it moves).
  /// Update at any earlier tick does nothing, so a caller may skip those.
  std::uint64_t NextChangeTick(std::uint64_t register_milli) const {
    if (active_) return last_start_ + width_ticks_;
    if (register_milli < next_due_milli_) return UINT64_MAX;
    return started_ ? last_start_ + period_ticks_ : 0;
  }

  std::uint64_t emitted() const { return emitted_; }
  /// Pulses owed by the register and not yet emitted.
  std::uint64_t queued(std::uint64_t register_milli) const { return register_milli / weight_ - base_ - emitted_; }
  std::uint64_t weight_milli() const { return weight_; }

 private:
  std::uint64_t weight_ = 1;
  std::uint64_t base_ = 0;  // register pulses already accounted for at Init
  std::uint64_t emitted_ = 0;
  std::uint64_t next_due_milli_ = 0;  // register value that owes the next pulse
  std::uint64_t period_ticks_ = 0, width_ticks_ = 0;
  std::uint64_t last_start_ = 0;
  bool active_ = false;
  bool started_ = false;
};

}  // namespace meter
