#pragma once
// The non-volatile store as a file, with flash semantics kept (the register
// store's record format works unchanged): every erase or program writes the
// whole image to FILE.tmp, fsyncs it, renames it over FILE and fsyncs the
// directory, so a power cut leaves either the old or the new image.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "meter/hal/nv_store.h"

namespace meter::hal::linux_board {

class FileStore final : public NonVolatileStore {
 public:
  /// Loads `path` (which must hold exactly sector_size * sectors bytes) or,
  /// when it does not exist, starts erased. @returns kDataLoss for a file
  /// of the wrong size, kUnavailable if it cannot be read.
  Status Open(const std::string& path, std::size_t sector_size, int sectors, std::string& why);
  std::uint64_t writes() const { return writes_; }
  /// True when every byte is erased (a new store).
  bool erased() const;

 private:
  Status Persist();
  std::size_t DoSectorSize() const override { return sector_size_; }
  int DoSectorCount() const override { return sectors_; }
  Status DoErase(int sector) override;
  Status DoProgram(std::uint32_t address, const std::uint32_t* words, std::size_t count) override;
  Status DoRead(std::uint32_t address, void* out, std::size_t bytes) const override;

  std::string path_;
  std::size_t sector_size_ = 0;
  int sectors_ = 0;
  std::vector<std::uint8_t> image_;
  std::uint64_t writes_ = 0;
};

}  // namespace meter::hal::linux_board
