#include "meter/hal/host/emulated_flash.h"

#include <cstring>

namespace meter::hal::host {

EmulatedFlash::EmulatedFlash(std::size_t sector_size, int sectors)
    : sector_size_(sector_size), sectors_(sectors), memory_(sector_size * static_cast<std::size_t>(sectors), 0xFF) {}

bool EmulatedFlash::Spend() {
  if (armed_) {
    if (cut_after_ == 0) {
      dead_ = true;
      armed_ = false;
      return false;
    }
    --cut_after_;
  }
  ++touched_;
  return true;
}

Status EmulatedFlash::DoErase(int sector) {
  if (dead_) return Status::kUnavailable;
  if (sector < 0 || sector >= sectors_) return Status::kInvalidArgument;
  const std::size_t base = static_cast<std::size_t>(sector) * sector_size_;
  for (std::size_t i = 0; i < sector_size_; ++i) {
    if (!Spend()) return Status::kUnavailable;
    memory_[base + i] = 0xFF;
  }
  return Status::kOk;
}

Status EmulatedFlash::DoProgram(std::uint32_t address, const std::uint32_t* words, std::size_t count) {
  if (dead_) return Status::kUnavailable;
  if (address % 4 != 0 || address + count * 4 > memory_.size()) return Status::kInvalidArgument;
  for (std::size_t w = 0; w < count; ++w) {
    std::uint8_t bytes[4];
    std::memcpy(bytes, &words[w], 4);
    for (int b = 0; b < 4; ++b) {
      if (!Spend()) return Status::kUnavailable;
      memory_[address + w * 4 + static_cast<std::size_t>(b)] &= bytes[b];  // flash clears bits only
    }
  }
  return Status::kOk;
}

Status EmulatedFlash::DoRead(std::uint32_t address, void* out, std::size_t bytes) const {
  if (address + bytes > memory_.size()) return Status::kInvalidArgument;
  std::memcpy(out, memory_.data() + address, bytes);
  return Status::kOk;
}

}  // namespace meter::hal::host
