#pragma once
// The Linux IIO buffer format: a scan is one sample of every enabled
// channel, each element described by its scan_elements/*_type string
// ("le:s24/32>>0": little-endian, signed, 24 significant bits in 32 bits of
// storage, shifted right by 0) and placed at an offset aligned to its
// storage size, in *_index order.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "meter/status.h"

namespace meter::hal::linux_board {

struct ScanElementType {
  bool big_endian = false;
  bool is_signed = true;
  int real_bits = 24;
  int storage_bits = 32;
  int shift = 0;
  int repeat = 1;
};

/// Parses "[be|le]:[s|u]BITS/STORAGE[XREPEAT]>>SHIFT". @returns
/// kInvalidArgument (with `why`) for anything else, or storage other than
/// 8/16/32/64 bits, or real bits that do not fit.
Status ParseScanElementType(std::string_view text, ScanElementType& out, std::string& why);

/// The element at `p`, shifted and sign-extended; real bits beyond 32 keep
/// their top 32.
std::int32_t DecodeScanElement(const std::uint8_t* p, const ScanElementType& type);

inline constexpr int kMaxScanElements = 16;

struct ScanLayout {
  int elements = 0;
  std::array<ScanElementType, kMaxScanElements> types{};
  std::array<std::size_t, kMaxScanElements> offsets{};
  std::size_t scan_bytes = 0;
};

/// Offsets and scan size of elements given in index order (each aligned to
/// its storage size; the scan padded to its largest element).
Status MakeScanLayout(const ScanElementType* types, int count, ScanLayout& out, std::string& why);

}  // namespace meter::hal::linux_board
