#pragma once
// A NonVolatileStore kept in RAM with flash semantics, shared by the host
// backend (power-fail tests) and the Cortex-M4F backend (QEMU has no
// writable flash): erase sets a sector to 0xFF, programming only clears
// bits, one byte at a time. A power cut can be armed to fail an operation
// after any number of bytes; the memory keeps whatever the interrupted
// operation had reached, and every operation fails until PowerOn().
// The memory is the caller's: no heap.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

#include "meter/hal/nv_store.h"

namespace meter::hal {

class RamBackedFlash : public NonVolatileStore {
 public:
  /// `memory` holds a whole number of `sector_size` sectors (a multiple of 4).
  RamBackedFlash(std::span<std::uint8_t> memory, std::size_t sector_size)
      : memory_(memory), sector_size_(sector_size), sectors_(static_cast<int>(memory.size() / sector_size)) {}

  /// Power fails after `bytes` more bytes have been programmed or erased
  /// (0: at the first byte of the next operation).
  void CutPowerAfter(std::uint64_t bytes) {
    budget_ = bytes;
    armed_ = true;
  }
  void Disarm() { armed_ = false; }
  /// Restores power: operations work again, the content stays.
  void PowerOn() {
    dead_ = false;
    armed_ = false;
  }
  bool dead() const { return dead_; }
  /// Bytes programmed or erased since construction (to place cuts).
  std::uint64_t bytes_touched() const { return touched_; }
  std::span<const std::uint8_t> memory() const { return memory_; }

 protected:
  ~RamBackedFlash() = default;  // a base of the backends that own the memory

 private:
  // Spends one byte of the power budget; false when power is lost now.
  bool Spend() {
    if (armed_) {
      if (budget_ == 0) {
        dead_ = true;
        armed_ = false;
        return false;
      }
      --budget_;
    }
    ++touched_;
    return true;
  }
  std::size_t DoSectorSize() const final { return sector_size_; }
  int DoSectorCount() const final { return sectors_; }
  Status DoErase(int sector) final {
    if (dead_) return Status::kUnavailable;
    if (sector < 0 || sector >= sectors_) return Status::kInvalidArgument;
    const std::size_t base = static_cast<std::size_t>(sector) * sector_size_;
    for (std::size_t k = 0; k < sector_size_; ++k) {
      if (!Spend()) return Status::kUnavailable;
      memory_[base + k] = 0xFF;
    }
    return Status::kOk;
  }
  Status DoProgram(std::uint32_t address, const std::uint32_t* words, std::size_t count) final {
    if (dead_) return Status::kUnavailable;
    if (address % 4 != 0 || address > memory_.size() || count > (memory_.size() - address) / 4) {
      return Status::kInvalidArgument;
    }
    for (std::size_t w = 0; w < count; ++w) {
      std::uint8_t bytes[4];
      std::memcpy(bytes, &words[w], 4);  // as Read gives them back
      for (std::size_t b = 0; b < 4; ++b) {
        if (!Spend()) return Status::kUnavailable;
        std::uint8_t& cell = memory_[address + 4 * w + b];
        cell = static_cast<std::uint8_t>(cell & bytes[b]);  // flash clears bits only
      }
    }
    return Status::kOk;
  }
  Status DoRead(std::uint32_t address, void* out, std::size_t bytes) const final {
    if (address > memory_.size() || bytes > memory_.size() - address) return Status::kInvalidArgument;
    std::memcpy(out, memory_.data() + address, bytes);
    return Status::kOk;
  }

  std::span<std::uint8_t> memory_;
  std::size_t sector_size_;
  int sectors_;
  std::uint64_t budget_ = 0;
  std::uint64_t touched_ = 0;
  bool armed_ = false;
  bool dead_ = false;
};

}  // namespace meter::hal
