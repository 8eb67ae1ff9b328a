#pragma once
// A RAM region with flash semantics as the non-volatile store (the board has
// no writable flash under QEMU): erase sets a sector to 0xFF, programming
// only clears bits, one byte at a time. A power cut can be armed to fail an
// operation after any number of bytes, leaving the region as a real part
// would be: programmed or erased up to that byte.

#include <array>
#include <cstddef>
#include <cstdint>

#include "meter/hal/nv_store.h"

namespace meter::hal::cortex_m4f {

template <std::size_t kSectorBytes, int kSectors>
class RamFlash final : public NonVolatileStore {
  static_assert(kSectorBytes % 4 == 0 && kSectors > 0);

 public:
  static constexpr std::size_t kBytes = kSectorBytes * static_cast<std::size_t>(kSectors);
  /// `region` is the RAM the store lives in (a .nvstore section: not cleared
  /// at reset), word-aligned.
  explicit RamFlash(std::array<std::uint8_t, kBytes>& region) : mem_(region) {}

  /// The next operations fail (kUnavailable) after `bytes` more bytes.
  void CutPowerAfter(std::uint32_t bytes) {
    budget_ = bytes;
    armed_ = true;
  }
  /// Power restored: operations work again.
  void PowerOn() {
    armed_ = false;
    dead_ = false;
  }
  /// Bytes erased or programmed since construction (to place cuts).
  std::uint32_t bytes_touched() const { return touched_; }

 private:
  bool Spend() {
    if (armed_) {
      if (budget_ == 0) {
        dead_ = true;
        return false;
      }
      --budget_;
    }
    ++touched_;
    return true;
  }
  std::size_t DoSectorSize() const override { return kSectorBytes; }
  int DoSectorCount() const override { return kSectors; }
  Status DoErase(int sector) override {
    if (dead_) return Status::kUnavailable;
    if (sector < 0 || sector >= kSectors) return Status::kInvalidArgument;
    const std::size_t base = static_cast<std::size_t>(sector) * kSectorBytes;
    for (std::size_t k = 0; k < kSectorBytes; ++k) {
      if (!Spend()) return Status::kUnavailable;
      mem_[base + k] = 0xFF;
    }
    return Status::kOk;
  }
  Status DoProgram(std::uint32_t address, const std::uint32_t* words, std::size_t count) override {
    if (dead_) return Status::kUnavailable;
    if (address % 4 != 0 || address > kBytes || count > (kBytes - address) / 4) return Status::kInvalidArgument;
    for (std::size_t w = 0; w < count; ++w) {
      for (std::size_t b = 0; b < 4; ++b) {  // little-endian byte order, as the core stores words
        if (!Spend()) return Status::kUnavailable;
        const auto byte = static_cast<std::uint8_t>(words[w] >> (8 * b));
        mem_[address + 4 * w + b] = static_cast<std::uint8_t>(mem_[address + 4 * w + b] & byte);
      }
    }
    return Status::kOk;
  }
  Status DoRead(std::uint32_t address, void* out, std::size_t bytes) const override {
    if (address > kBytes || bytes > kBytes - address) return Status::kInvalidArgument;
    auto* dst = static_cast<std::uint8_t*>(out);
    for (std::size_t k = 0; k < bytes; ++k) dst[k] = mem_[address + k];
    return Status::kOk;
  }

  std::array<std::uint8_t, kBytes>& mem_;
  std::uint32_t budget_ = 0;
  std::uint32_t touched_ = 0;
  bool armed_ = false;
  bool dead_ = false;
};

}  // namespace meter::hal::cortex_m4f
