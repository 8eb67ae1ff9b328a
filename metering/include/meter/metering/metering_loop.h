#pragma once
// The firmware main loop around one metering point: takes each DMA block,
// feeds its frames to the energy meter, and services the slow devices
// (digital inputs, power-fail signal, periodic save). Bound at compile time to
// the frame type and block size; the devices behind it are small virtual
// interfaces polled once per block, never per sample.

#include <cstddef>
#include <cstdint>

#include "meter/hal/digital_inputs.h"
#include "meter/hal/dma_double_buffer.h"
#include "meter/hal/power_fail.h"
#include "meter/metering/energy_meter.h"
#include "meter/status.h"

namespace meter {

struct MeteringLoopStats {
  std::uint64_t blocks = 0;          ///< blocks processed
  std::uint64_t lost_frames = 0;     ///< frames the DMA overwrote before they were taken
  std::uint32_t overrun_blocks = 0;  ///< blocks overwritten while being processed
  std::uint32_t power_fail_saves = 0;
  std::uint32_t save_errors = 0;  ///< saves that returned an error (last one in last_save_status)
  Status last_save_status = Status::kOk;
};

template <typename Numeric, std::size_t kBlockFrames>
class MeteringLoop {
 public:
  using Input = typename BasicEnergyMeter<Numeric>::Input;
  using Buffer = hal::DmaDoubleBuffer<Input, kBlockFrames>;
  /// Consecutive equal reads (one per block) before an input level counts:
  /// 2 reads at 8 kSPS and 80-frame blocks debounce for 10-20 ms.
  static constexpr int kDebounceReads = 2;

  /// `inputs` and `power_fail` may be null (not fitted).
  MeteringLoop(BasicEnergyMeter<Numeric>& meter, Buffer& buffer, hal::DigitalInputs* inputs,
               hal::PowerFailSignal* power_fail)
      : meter_(meter), buffer_(buffer), inputs_(inputs), power_fail_(power_fail) {}

  /// One pass of the main loop. @returns the meter's events of every frame
  /// processed (MeterEvent bits, or-ed).
  std::uint8_t Poll() {
    std::uint8_t events = 0;
    for (;;) {
      const typename Buffer::Block block = buffer_.Take();
      if (block.frames.empty()) break;
      if (block.lost_frames > 0) {
        meter_.MarkGap(block.lost_frames);
        stats_.lost_frames += block.lost_frames;
      }
      events = static_cast<std::uint8_t>(events | meter_.ProcessFrames(block.frames));
      if (buffer_.Release() == Status::kDataLoss) ++stats_.overrun_blocks;
      ++stats_.blocks;
      ServiceInputs();
    }
    ServicePowerFail();
    Record(meter_.Service());
    return events;
  }

  const MeteringLoopStats& stats() const { return stats_; }
  const BasicEnergyMeter<Numeric>& meter() const { return meter_; }
  /// Debounced input levels (kInput... bits).
  std::uint8_t input_levels() const { return stable_levels_; }

 private:
  void ServiceInputs() {
    if (inputs_ == nullptr) return;
    if (!levels_known_) {
      // Start from what the (possibly restored) registers already say, so a
      // restart acts only on inputs that differ from the saved state.
      const EnergyState& st = meter_.registers().state();
      stable_levels_ = static_cast<std::uint8_t>((st.tariff == 1 ? hal::kInputTariff2 : 0) |
                                                 (st.partial_running ? hal::kInputPartialRun : 0));
      levels_known_ = true;
    }
    const std::uint8_t raw = inputs_->Read();
    if (raw != candidate_) {
      candidate_ = raw;
      equal_reads_ = 1;
      return;
    }
    if (equal_reads_ < kDebounceReads) ++equal_reads_;
    if (equal_reads_ < kDebounceReads || raw == stable_levels_) return;
    const std::uint8_t rising = static_cast<std::uint8_t>(raw & ~stable_levels_);
    const std::uint8_t changed = static_cast<std::uint8_t>(raw ^ stable_levels_);
    stable_levels_ = raw;
    EnergyRegisters& regs = meter_.registers();
    if (changed & hal::kInputTariff2) regs.SetTariff((raw & hal::kInputTariff2) ? 1 : 0);
    if (changed & hal::kInputPartialRun) {
      if (raw & hal::kInputPartialRun) {
        regs.StartPartial();
      } else {
        regs.StopPartial();
      }
    }
    if (rising & hal::kInputPartialReset) regs.ResetPartial();
  }

  void ServicePowerFail() {
    if (power_fail_ == nullptr) return;
    const bool asserted = power_fail_->Asserted();
    // One save per power-fail edge: the hold-up energy allows one, and the
    // supply may recover (the loop then keeps metering and re-arms).
    if (asserted && !power_fail_latched_) {
      ++stats_.power_fail_saves;
      Record(meter_.OnPowerFail());
    }
    power_fail_latched_ = asserted;
  }

  void Record(Status s) {
    if (s == Status::kOk) return;
    ++stats_.save_errors;
    stats_.last_save_status = s;
  }

  BasicEnergyMeter<Numeric>& meter_;
  Buffer& buffer_;
  hal::DigitalInputs* inputs_;
  hal::PowerFailSignal* power_fail_;
  MeteringLoopStats stats_{};
  std::uint8_t candidate_ = 0;
  int equal_reads_ = 0;
  std::uint8_t stable_levels_ = 0;
  bool levels_known_ = false;
  bool power_fail_latched_ = false;
};

}  // namespace meter
