#pragma once
// Non-volatile store with flash semantics: a sector is erased to 0xFF; a
// program operation can only clear bits (the stored word becomes old AND
// new); reads are free. Words are 32 bits, addresses byte offsets aligned to
// words. Slow device: a small virtual interface.

#include <cstddef>
#include <cstdint>

#include "meter/status.h"

namespace meter::hal {

class NonVolatileStore {
 public:
  std::size_t sector_size() const { return DoSectorSize(); }
  int sector_count() const { return DoSectorCount(); }

  /// @returns kInvalidArgument for a bad sector; kUnavailable if the device
  /// failed (power lost) part-way: the sector's content is then undefined.
  Status EraseSector(int sector) { return DoErase(sector); }
  /// Programs `count` words at `address`. @returns kInvalidArgument for an
  /// unaligned or out-of-range span; kUnavailable on a device failure.
  Status Program(std::uint32_t address, const std::uint32_t* words, std::size_t count) {
    return DoProgram(address, words, count);
  }
  /// @returns kInvalidArgument for an out-of-range span.
  Status Read(std::uint32_t address, void* out, std::size_t bytes) const { return DoRead(address, out, bytes); }

 protected:
  ~NonVolatileStore() = default;

 private:
  virtual std::size_t DoSectorSize() const = 0;
  virtual int DoSectorCount() const = 0;
  virtual Status DoErase(int sector) = 0;
  virtual Status DoProgram(std::uint32_t address, const std::uint32_t* words, std::size_t count) = 0;
  virtual Status DoRead(std::uint32_t address, void* out, std::size_t bytes) const = 0;
};

}  // namespace meter::hal
