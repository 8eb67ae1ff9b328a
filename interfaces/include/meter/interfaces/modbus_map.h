#pragma once
// The meter's Modbus register maps, in one table: every point's wire
// address, type, word order, scale and source. Readers (the TCP and RTU
// servers) and docs/MODBUS.md (generated, and checked by a test) both come
// from this table, so the documentation cannot drift from the wire.
//
// Three maps share one address space; FC03 and FC04 read the same data:
//  - 0x0000-0x0065: a block laid out as Carlo Gavazzi's EM24-Ethernet/EM300
//    maps (INT32 low word first), read by evcc's and openWB's CG drivers;
//  - 0x1000-...: our own map at full resolution (64-bit registers);
//  - 40000-...: SunSpec (common model 1, then model 201/202/203/204).
// Every address inside a map answers (unused ones read 0); an address
// outside all maps is exception 02.

#include <cstdint>
#include <span>
#include <string_view>

#include "meter/interfaces/snapshot.h"

namespace meter::interfaces {

enum class MapId : std::uint8_t { kCarloGavazzi, kHighResolution, kSunSpec };

/// How a point is laid out on the wire. Bytes within a word are big-endian
/// (Modbus); the word order of 32/64-bit points is part of the type.
enum class WireType : std::uint8_t {
  kReserved,  ///< Reads 0.
  kInt16,
  kUint16,
  kInt32LowWordFirst,  ///< Carlo Gavazzi's order: low word at the lower address.
  kInt32,              ///< High word first.
  kUint32,             ///< High word first.
  kUint64,             ///< High word first.
  kAcc32,              ///< SunSpec accumulator: uint32, high word first, rolls over at 2^32.
  kScaleFactor,        ///< SunSpec sunssf: int16 power of ten.
  kString,             ///< Two ASCII characters per register, NUL padded.
};

int WordsOf(WireType type, int string_registers = 0);
std::string_view WireTypeName(WireType type);

/// Where a point's value comes from. `index` in MapPoint picks the phase, the
/// line pair, the register or the constant.
enum class Source : std::uint8_t {
  kNone,
  kPhaseV,
  kPhaseI,
  kPhaseP,
  kPhaseQ,
  kPhaseS,
  kPhasePf,
  kPhaseP1,
  kPhaseQ1,
  kPhaseThdV,
  kPhaseThdI,
  kLineV,
  kLineThdV,
  kAverageVln,
  kAverageVll,
  kTotalP,
  kTotalQ,
  kTotalS,
  kTotalPf,
  kSumI,
  kNeutralI,
  kFrequency,
  kPhaseSequence,
  kUnbalance,  ///< index: 0 V u2, 1 V u0, 2 I u2, 3 I u0
  kWindowSequence,
  kTimeMs,
  kFlags,
  kWiringCode,
  kTariff,
  kLostFrames,
  kStatusBits,
  kEnergy,        ///< index: EnergyId
  kSeconds,       ///< index: HourId
  kConstant,      ///< index: ConstantId
  kText,          ///< index: TextId
  kSunSpecScale,  ///< index: ScaleGroup
};

enum EnergyId : std::uint8_t {
  kWhImport,
  kWhExport,
  kVarhImport,
  kVarhExport,
  kVAh,
  kWhQ1,
  kWhQ2,
  kWhQ3,
  kWhQ4,
  kVarhQ1,
  kVarhQ2,
  kVarhQ3,
  kVarhQ4,
  kVAhQ1,
  kVAhQ2,
  kVAhQ3,
  kVAhQ4,
  kPartialWhImport,
  kPartialWhExport,
  kPartialVarhImport,
  kPartialVarhExport,
  kPartialVAh,
  kPartialWhQ1,
  kPartialWhQ2,
  kPartialWhQ3,
  kPartialWhQ4,
  kPartialVarhQ1,
  kPartialVarhQ2,
  kPartialVarhQ3,
  kPartialVarhQ4,
  kPartialVAhQ1,
  kPartialVAhQ2,
  kPartialVAhQ3,
  kPartialVAhQ4,
  kWhImportTariff1,
  kWhImportTariff2,
  kWhImportA,
  kWhImportB,
  kWhImportC,
  kWhExportA,
  kWhExportB,
  kWhExportC,
  kVarhImportA,
  kVarhImportB,
  kVarhImportC,
  kVarhExportA,
  kVarhExportB,
  kVarhExportC,
  kVAhImport,  ///< Quadrants I + IV (P >= 0)
  kVAhExport,  ///< Quadrants II + III
  kEnergyIdCount,
};

enum HourId : std::uint8_t {
  kImportSeconds,
  kExportSeconds,
  kOnSeconds,
  kPartialImportSeconds,
  kPartialExportSeconds,
  kRunSeconds
};

enum ConstantId : std::uint8_t {
  kSunSpecMarkerHigh,
  kSunSpecMarkerLow,
  kModel1Id,
  kModel1Length,
  kModel2xxId,
  kModel2xxLength,
  kEndId,
  kEndLength,
  kUnitId,
  kZero
};

enum TextId : std::uint8_t { kManufacturer, kModel, kOptions, kVersion, kSerial };

enum class ScaleGroup : std::uint8_t { kFixed, kA, kV, kHz, kW, kVA, kVar, kPf, kWh, kVAh, kVarh };

struct MapPoint {
  MapId map;
  std::uint16_t address;  ///< 0-based wire address of the first register.
  WireType type;
  Source source;
  std::uint8_t index;
  /// Register units per unit of the value (per kWh/kvarh/kVAh for energy,
  /// per second for hour meters); ScaleGroup::kFixed uses `scale`, the
  /// SunSpec groups use 10^-SF of the rating.
  double scale;
  ScaleGroup group;
  std::uint8_t string_registers;  ///< kString only.
  const char* name;
  const char* unit;
};

struct MapRange {
  MapId map;
  std::uint16_t first, last;  ///< Inclusive wire addresses.
  const char* title;
};

/// Every point of every map, ordered by map, then address.
std::span<const MapPoint> RegisterMap();
std::span<const MapRange> MapRanges();

/// What the maps need besides the snapshot: constants of the device.
struct DeviceIdentity {
  Wiring wiring = Wiring::k3P4W;
  double v_max_rms = 0;  ///< Largest L-N rms the inputs pass, primary volts.
  double i_max_rms = 0;  ///< Largest rms current the inputs pass, primary amperes.
  char serial[33] = {};
  char version[17] = {};
  std::uint8_t unit_id = 1;
};

/// SunSpec scale factors (powers of ten) that follow the rating. The rule:
/// the largest total of each kind at full scale (3 phases at v_max_rms and
/// i_max_rms) fits an int16, with at most the resolution of the other maps;
/// TotWh_SF is the smallest power of ten at which an acc32 Wh counter does
/// not roll over in 10 years (87 660 h) at that power.
struct SunSpecScales {
  int a = 0, v = 0, hz = -2, w = 0, va = 0, var = 0, pf = -1, wh = 0;
};
SunSpecScales ScalesFor(const DeviceIdentity& id);
int ScaleOf(const SunSpecScales& s, ScaleGroup group);
/// The SunSpec model that follows model 1 for a wiring (201..204).
int SunSpecModelFor(Wiring wiring);

enum class ModbusException : std::uint8_t {
  kNone = 0,
  kIllegalFunction = 0x01,
  kIllegalDataAddress = 0x02,
  kIllegalDataValue = 0x03,
  kServerBusy = 0x06,
  kGatewayTargetFailed = 0x0B,
};

/// Registers [address, address + count) into `out` (count words).
/// @returns kIllegalDataAddress if any of them lies outside the maps;
/// kServerBusy if any of them holds an energy total before the registers
/// are restored, or a measured value before the first window.
ModbusException ReadRegisters(std::uint16_t address, std::uint16_t count, const MeterSnapshot& snapshot,
                              const DeviceIdentity& id, std::uint16_t* out);

/// Register count of the energy totals' milli-units (mWh, mvarh, mVAh).
std::uint64_t EnergyMilli(const EnergyState& s, int energy_id);

}  // namespace meter::interfaces

#include <string>

namespace meter::interfaces {

/// docs/MODBUS.md's register tables, generated from RegisterMap(): one table
/// per map, every point with its wire address in hex and its 3xxxx/4xxxx
/// form, words, type, scale and unit.
std::string ModbusMapMarkdown();

}  // namespace meter::interfaces
