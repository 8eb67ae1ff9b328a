#pragma once
// Power-fail-safe storage of the energy registers on a flash-like store.
//
// Two sectors hold alternating records: [magic, version, sequence, length,
// payload..., CRC-32, commit]. A save erases the sector that does NOT hold
// the newest valid record, programs header, payload and CRC, and programs
// the commit word last. A record counts only with its commit word, a
// matching CRC and a known layout, so an interrupted erase or program is
// never loaded; the other sector still holds the previous save. At start-up
// the valid record with the highest sequence wins, so registers never go
// backwards, and at most the energy accrued since the last completed save is
// lost.

#include <array>
#include <cstdint>

#include "meter/hal/nv_store.h"
#include "meter/metering/energy_registers.h"
#include "meter/status.h"

namespace meter {

/// CRC-32 (IEEE 802.3, reflected, as zlib) over `bytes`.
std::uint32_t Crc32(const void* data, std::size_t bytes, std::uint32_t crc = 0);

class RegisterStore {
 public:
  static constexpr std::uint32_t kMagic = 0x5254454D;  // "METR"
  static constexpr std::uint32_t kVersion = 1;
  static constexpr std::uint32_t kCommit = 0x600DC0DE;
  static constexpr std::size_t kPayloadWords = 212;
  static constexpr std::size_t kRecordWords = 4 + kPayloadWords + 2;

  /// Uses sectors `first_sector` and `first_sector + 1` of `store`, and
  /// finds the newest valid record there (the next Save goes to the other).
  /// @returns kInvalidArgument if they do not exist or cannot hold a record.
  Status Init(hal::NonVolatileStore& store, int first_sector);

  /// Loads the newest valid record. @returns kOk, kDataLoss when no valid
  /// record exists (a new meter: start from zero), or a device error.
  Status Load(EnergyState& out);
  /// Saves `state` as the next record. @returns kOk or the device's error
  /// (the previous record stays valid).
  Status Save(const EnergyState& state);

  std::uint32_t sequence() const { return sequence_; }

 private:
  void FindNewest();
  bool ReadRecord(int sector, std::uint32_t& sequence, std::array<std::uint32_t, kRecordWords>& words) const;

  hal::NonVolatileStore* store_ = nullptr;
  int first_sector_ = 0;
  int newest_ = -1;  // sector of the newest valid record, -1 if none
  std::uint32_t sequence_ = 0;
  std::array<std::uint32_t, kRecordWords> buffer_{};
};

/// Word layout of EnergyState in a record (exposed for tests).
void SerializeEnergyState(const EnergyState& s, std::uint32_t* words);
void DeserializeEnergyState(const std::uint32_t* words, EnergyState& s);

}  // namespace meter
