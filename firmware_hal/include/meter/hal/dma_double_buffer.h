#pragma once
// The sample source: ADC frames that a DMA channel writes, circularly, into
// two halves of one buffer. The DMA's half-complete and complete interrupts
// call OnBlockReady (the block-ready hook); the metering loop takes each
// finished half while the DMA fills the other. Sizes are compile-time and the
// class is concrete, so the per-sample path has no virtual call.
//
// Overruns are detected, never hidden: a block the DMA overwrote before the
// loop took it is reported as lost samples (the meter then marks a gap), and
// a block overwritten while the loop was reading it is reported on Release.

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <span>

#include "meter/status.h"

namespace meter::hal {

template <typename Frame, std::size_t kBlockFrames>
class DmaDoubleBuffer {
  static_assert(kBlockFrames > 0, "a block holds at least one frame");
  // The hook runs in an interrupt and the loop in thread mode: the counter
  // they share must be a single lock-free word.
  static_assert(std::atomic<std::uint32_t>::is_always_lock_free, "needs a lock-free 32-bit atomic");

 public:
  static constexpr std::size_t kFramesPerBlock = kBlockFrames;

  /// The whole buffer, for the DMA descriptor (source of the transfer is the
  /// ADC; destination is this, circular, two halves).
  std::span<Frame, 2 * kBlockFrames> dma_region() { return frames_; }
  /// The half the producer writes next (for software producers: a file
  /// reader, an emulated converter).
  std::span<Frame, kBlockFrames> half(int index) {
    return std::span<Frame, kBlockFrames>(frames_.data() + (index & 1) * kBlockFrames, kBlockFrames);
  }
  /// Index of the half the producer fills next.
  int producer_half() const { return static_cast<int>(filled_.load(std::memory_order_relaxed) & 1u); }

  /// Block-ready hook (interrupt context): the half the DMA just finished.
  /// Halves complete in order, so only the count is kept.
  void OnBlockReady() { filled_.fetch_add(1, std::memory_order_release); }

  struct Block {
    std::span<const Frame> frames;  ///< empty when no block is ready
    std::uint64_t lost_frames = 0;  ///< frames overwritten before they were taken
  };
  /// Thread mode: the oldest block that is still intact. Blocks the DMA has
  /// lapped are skipped and counted in lost_frames.
  Block Take() {
    Block b;
    const std::uint32_t filled = filled_.load(std::memory_order_acquire);
    std::uint32_t waiting = filled - consumed_;
    if (waiting == 0) return b;
    if (waiting > 1) {
      // The DMA writes the half of the block after filled-1, which is the
      // half of filled-2: every block older than filled-1 is lost.
      b.lost_frames = static_cast<std::uint64_t>(waiting - 1) * kBlockFrames;
      lost_frames_ += b.lost_frames;
      consumed_ = filled - 1;
    }
    taken_ = true;
    b.frames = std::span<const Frame>(frames_.data() + (consumed_ & 1u) * kBlockFrames, kBlockFrames);
    return b;
  }
  /// Thread mode, after the block from Take is processed. @returns kDataLoss
  /// if the DMA started overwriting it meanwhile (the loop was too slow), so
  /// the caller can flag the window; kFailedPrecondition without a Take.
  Status Release() {
    if (!taken_) return Status::kFailedPrecondition;
    taken_ = false;
    const std::uint32_t filled = filled_.load(std::memory_order_acquire);
    ++consumed_;
    // Block consumed_ completing sent the DMA back into the half just read.
    if (filled - consumed_ >= 1) {
      ++overrun_blocks_;
      return Status::kDataLoss;
    }
    return Status::kOk;
  }

  std::uint64_t lost_frames() const { return lost_frames_; }
  std::uint32_t overrun_blocks() const { return overrun_blocks_; }

 private:
  std::array<Frame, 2 * kBlockFrames> frames_{};
  std::atomic<std::uint32_t> filled_{0};  // blocks completed by the DMA (wraps; differences are exact)
  std::uint32_t consumed_ = 0;            // blocks released by the loop
  bool taken_ = false;
  std::uint64_t lost_frames_ = 0;
  std::uint32_t overrun_blocks_ = 0;
};

}  // namespace meter::hal
