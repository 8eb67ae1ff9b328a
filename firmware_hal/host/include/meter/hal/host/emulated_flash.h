#pragma once
// Host backend of NonVolatileStore: flash in RAM that can lose power at any
// byte of any program or erase, for power-fail tests. After a cut every
// operation fails until PowerOn(); the memory keeps whatever the interrupted
// operation had reached, byte by byte.

#include <cstdint>
#include <vector>

#include "meter/hal/nv_store.h"

namespace meter::hal::host {

class EmulatedFlash final : public NonVolatileStore {
 public:
  EmulatedFlash(std::size_t sector_size, int sectors);

  /// Power fails after `bytes` more bytes have been programmed or erased
  /// (0: at the first byte of the next operation).
  void CutPowerAfter(std::uint64_t bytes) { cut_after_ = bytes; armed_ = true; }
  void Disarm() { armed_ = false; }
  /// Restores power: operations work again, the content stays.
  void PowerOn() { dead_ = false; armed_ = false; }
  bool dead() const { return dead_; }
  /// Bytes programmed or erased since construction (to place cuts).
  std::uint64_t bytes_touched() const { return touched_; }
  const std::vector<std::uint8_t>& memory() const { return memory_; }

 private:
  std::size_t DoSectorSize() const override { return sector_size_; }
  int DoSectorCount() const override { return sectors_; }
  Status DoErase(int sector) override;
  Status DoProgram(std::uint32_t address, const std::uint32_t* words, std::size_t count) override;
  Status DoRead(std::uint32_t address, void* out, std::size_t bytes) const override;
  // Spends one byte of the power budget; false when power is lost now.
  bool Spend();

  std::size_t sector_size_;
  int sectors_;
  std::vector<std::uint8_t> memory_;
  std::uint64_t cut_after_ = 0;
  std::uint64_t touched_ = 0;
  bool armed_ = false;
  bool dead_ = false;
};

}  // namespace meter::hal::host
