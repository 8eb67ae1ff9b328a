#include "meter/hal/linux/iio_scan.h"

#include <charconv>

namespace meter::hal::linux_board {
namespace {

bool TakeInt(std::string_view& s, int& out) {
  const auto r = std::from_chars(s.data(), s.data() + s.size(), out);
  if (r.ec != std::errc() || r.ptr == s.data()) return false;
  s.remove_prefix(static_cast<std::size_t>(r.ptr - s.data()));
  return true;
}

bool TakePrefix(std::string_view& s, std::string_view prefix) {
  if (s.substr(0, prefix.size()) != prefix) return false;
  s.remove_prefix(prefix.size());
  return true;
}

}  // namespace

Status ParseScanElementType(std::string_view text, ScanElementType& out, std::string& why) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.remove_suffix(1);
  std::string_view s = text;
  ScanElementType t;
  if (TakePrefix(s, "le:")) {
    t.big_endian = false;
  } else if (TakePrefix(s, "be:")) {
    t.big_endian = true;
  } else {
    why = "scan element type '" + std::string(text) + "': expected le: or be:";
    return Status::kInvalidArgument;
  }
  if (TakePrefix(s, "s")) {
    t.is_signed = true;
  } else if (TakePrefix(s, "u")) {
    t.is_signed = false;
  } else {
    why = "scan element type '" + std::string(text) + "': expected s or u after the endianness";
    return Status::kInvalidArgument;
  }
  bool ok = TakeInt(s, t.real_bits) && TakePrefix(s, "/") && TakeInt(s, t.storage_bits);
  if (ok && TakePrefix(s, "X")) ok = TakeInt(s, t.repeat);
  ok = ok && TakePrefix(s, ">>") && TakeInt(s, t.shift) && s.empty();
  if (!ok) {
    why = "scan element type '" + std::string(text) + "': expected [le|be]:[s|u]BITS/STORAGE>>SHIFT";
    return Status::kInvalidArgument;
  }
  const bool storage_ok = t.storage_bits == 8 || t.storage_bits == 16 || t.storage_bits == 32 || t.storage_bits == 64;
  if (!storage_ok || t.real_bits < 1 || t.shift < 0 || t.real_bits + t.shift > t.storage_bits || t.repeat < 1) {
    why = "scan element type '" + std::string(text) + "': bits, storage or shift out of range";
    return Status::kInvalidArgument;
  }
  out = t;
  return Status::kOk;
}

std::int32_t DecodeScanElement(const std::uint8_t* p, const ScanElementType& type) {
  const int bytes = type.storage_bits / 8;
  std::uint64_t raw = 0;
  for (int k = 0; k < bytes; ++k) {
    const int index = type.big_endian ? k : bytes - 1 - k;
    raw = (raw << 8) | p[index];
  }
  raw >>= type.shift;
  const std::uint64_t mask = type.real_bits >= 64 ? ~0ull : ((1ull << type.real_bits) - 1);
  raw &= mask;
  std::int64_t value = static_cast<std::int64_t>(raw);
  if (type.is_signed && type.real_bits < 64 && (raw >> (type.real_bits - 1)) != 0) {
    value -= static_cast<std::int64_t>(1ull << type.real_bits);
  }
  if (type.real_bits > 32) value >>= (type.real_bits - 32);
  return static_cast<std::int32_t>(value);
}

Status MakeScanLayout(const ScanElementType* types, int count, ScanLayout& out, std::string& why) {
  if (count < 1 || count > kMaxScanElements) {
    why = "a scan needs 1 to " + std::to_string(kMaxScanElements) + " elements, not " + std::to_string(count);
    return Status::kInvalidArgument;
  }
  ScanLayout l;
  l.elements = count;
  std::size_t offset = 0, largest = 1;
  for (int k = 0; k < count; ++k) {
    const auto size = static_cast<std::size_t>(types[k].storage_bits / 8);
    offset = (offset + size - 1) / size * size;
    l.types[static_cast<std::size_t>(k)] = types[k];
    l.offsets[static_cast<std::size_t>(k)] = offset;
    offset += size * static_cast<std::size_t>(types[k].repeat);
    if (size > largest) largest = size;
  }
  l.scan_bytes = (offset + largest - 1) / largest * largest;
  out = l;
  return Status::kOk;
}

}  // namespace meter::hal::linux_board
