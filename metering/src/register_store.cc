#include "meter/metering/register_store.h"

namespace meter {
namespace {

// Visits every counter and tick count of the state in a fixed order; the
// record layout is this order, so it is defined in exactly one place.
// Out of line: inlined into both callers it costs flash (docs/PERFORMANCE.md,
// "Measured choices in the code"), and a save is not time-critical.
template <typename State, typename CounterFn, typename WordFn>
[[gnu::noinline]] void VisitState(State& s, CounterFn&& counter, WordFn&& word) {
  for (auto* set : {&s.total, &s.partial}) {
    counter(set->kwh_imp);
    counter(set->kwh_exp);
    counter(set->kvarh_imp);
    counter(set->kvarh_exp);
    counter(set->kvah);
    for (auto& c : set->kwh_q) counter(c);
    for (auto& c : set->kvarh_q) counter(c);
    for (auto& c : set->kvah_q) counter(c);
  }
  for (auto& c : s.kwh_imp_tariff) counter(c);
  for (auto& ph : s.phases) {
    counter(ph.kwh_imp);
    counter(ph.kwh_exp);
    counter(ph.kvarh_imp);
    counter(ph.kvarh_exp);
  }
  word(s.import_ticks);
  word(s.export_ticks);
  word(s.on_ticks);
  word(s.partial_import_ticks);
  word(s.partial_export_ticks);
}

void Put64(std::uint32_t*& w, std::uint64_t v) {
  *w++ = static_cast<std::uint32_t>(v);
  *w++ = static_cast<std::uint32_t>(v >> 32);
}
std::uint64_t Get64(const std::uint32_t*& w) {
  const std::uint64_t lo = *w++;
  const std::uint64_t hi = *w++;
  return lo | (hi << 32);
}

// Records of layout 1 end with the flags word; the export tariffs came
// later, in the padding after it, with this flag to tell them from padding.
constexpr std::uint32_t kExportTariffsRecorded = 1u << 16;

// 2 * (34 + 2 + 12) counters * 2 words + 5 tick words * 2 + 1 flags word,
// then the 2 export-tariff counters.
constexpr std::size_t kUsedWords = 48 * 4 + 5 * 2 + 1 + 2 * 4;
static_assert(kUsedWords <= RegisterStore::kPayloadWords, "payload too small for the register set");

}  // namespace

std::uint32_t Crc32(const void* data, std::size_t bytes, std::uint32_t crc) {
  // Nibble table: 64 bytes of constants instead of 1 KiB.
  static constexpr std::uint32_t kTable[16] = {0x00000000, 0x1DB71064, 0x3B6E20C8, 0x26D930AC, 0x76DC4190, 0x6B6B51F4,
                                               0x4DB26158, 0x5005713C, 0xEDB88320, 0xF00F9344, 0xD6D6A3E8, 0xCB61B38C,
                                               0x9B64C2B0, 0x86D3D2D4, 0xA00AE278, 0xBDBDF21C};
  const auto* p = static_cast<const std::uint8_t*>(data);
  crc = ~crc;
  for (std::size_t i = 0; i < bytes; ++i) {
    crc ^= p[i];
    crc = (crc >> 4) ^ kTable[crc & 0xF];
    crc = (crc >> 4) ^ kTable[crc & 0xF];
  }
  return ~crc;
}

void SerializeEnergyState(const EnergyState& s, std::uint32_t* words) {
  std::uint32_t* w = words;
  VisitState(
      s,
      [&](const EnergyCounter& c) {
        Put64(w, c.milli());
        Put64(w, c.remainder());
      },
      [&](std::uint64_t v) { Put64(w, v); });
  *w++ = static_cast<std::uint32_t>(s.partial_running) | (static_cast<std::uint32_t>(s.tariff) << 8) |
         kExportTariffsRecorded;
  for (const EnergyCounter& c : s.kwh_exp_tariff) {
    Put64(w, c.milli());
    Put64(w, c.remainder());
  }
  while (w < words + RegisterStore::kPayloadWords) *w++ = 0;
}

void DeserializeEnergyState(const std::uint32_t* words, EnergyState& s) {
  const std::uint32_t* w = words;
  VisitState(
      s,
      [&](EnergyCounter& c) {
        const std::uint64_t milli = Get64(w);
        c.Restore(milli, Get64(w));
      },
      [&](std::uint64_t& v) { v = Get64(w); });
  s.partial_running = static_cast<std::uint8_t>(*w & 0xFF);
  s.tariff = static_cast<std::uint8_t>((*w >> 8) & 0xFF);
  if ((*w++ & kExportTariffsRecorded) != 0) {
    for (EnergyCounter& c : s.kwh_exp_tariff) {
      const std::uint64_t milli = Get64(w);
      c.Restore(milli, Get64(w));
    }
  } else {
    // A record from before the export tariffs: the export so far goes to
    // tariff 1, so that the tariffs still add up to the total.
    s.kwh_exp_tariff[0] = s.total.kwh_exp;
    s.kwh_exp_tariff[1] = EnergyCounter{};
  }
}

Status RegisterStore::Init(hal::NonVolatileStore& store, int first_sector) {
  if (first_sector < 0 || first_sector + 2 > store.sector_count() || store.sector_size() < kRecordWords * 4) {
    return Status::kInvalidArgument;
  }
  store_ = &store;
  first_sector_ = first_sector;
  // Know the newest record from the start, so that a Save without a Load
  // still erases the other sector, never the newest record.
  FindNewest();
  return Status::kOk;
}

void RegisterStore::FindNewest() {
  newest_ = -1;
  sequence_ = 0;
  for (int s = 0; s < 2; ++s) {
    std::uint32_t seq = 0;
    if (!ReadRecord(s, seq, buffer_)) continue;
    // Serial-number comparison: correct across a (theoretical) wrap.
    if (newest_ < 0 || static_cast<std::int32_t>(seq - sequence_) > 0) {
      newest_ = s;
      sequence_ = seq;
    }
  }
}

bool RegisterStore::ReadRecord(int sector, std::uint32_t& sequence,
                               std::array<std::uint32_t, kRecordWords>& words) const {
  const auto address =
      static_cast<std::uint32_t>(static_cast<std::size_t>(first_sector_ + sector) * store_->sector_size());
  if (store_->Read(address, words.data(), sizeof(words)) != Status::kOk) return false;
  if (words[0] != kMagic || words[1] != kVersion || words[3] != kPayloadWords) return false;
  if (words[kRecordWords - 1] != kCommit) return false;
  if (Crc32(words.data(), (kRecordWords - 2) * 4) != words[kRecordWords - 2]) return false;
  sequence = words[2];
  return true;
}

Status RegisterStore::Load(EnergyState& out) {
  if (store_ == nullptr) return Status::kFailedPrecondition;
  FindNewest();
  if (newest_ < 0) return Status::kDataLoss;
  std::uint32_t seq = 0;
  if (!ReadRecord(newest_, seq, buffer_)) return Status::kDataLoss;
  DeserializeEnergyState(buffer_.data() + 4, out);
  return Status::kOk;
}

Status RegisterStore::Save(const EnergyState& state) {
  if (store_ == nullptr) return Status::kFailedPrecondition;
  const int target = newest_ < 0 ? 0 : 1 - newest_;
  const std::uint32_t seq = newest_ < 0 ? 1 : sequence_ + 1;
  buffer_[0] = kMagic;
  buffer_[1] = kVersion;
  buffer_[2] = seq;
  buffer_[3] = kPayloadWords;
  SerializeEnergyState(state, buffer_.data() + 4);
  buffer_[kRecordWords - 2] = Crc32(buffer_.data(), (kRecordWords - 2) * 4);
  buffer_[kRecordWords - 1] = kCommit;

  const auto address =
      static_cast<std::uint32_t>(static_cast<std::size_t>(first_sector_ + target) * store_->sector_size());
  if (Status s = store_->EraseSector(first_sector_ + target); s != Status::kOk) return s;
  if (Status s = store_->Program(address, buffer_.data(), kRecordWords - 1); s != Status::kOk) return s;
  if (Status s = store_->Program(address + (kRecordWords - 1) * 4, &buffer_[kRecordWords - 1], 1); s != Status::kOk) {
    return s;
  }
  newest_ = target;
  sequence_ = seq;
  return Status::kOk;
}

}  // namespace meter
