#include "meter/interfaces/modbus_map.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <limits>

namespace meter::interfaces {
namespace {

constexpr MapId kCg = MapId::kCarloGavazzi;
constexpr MapId kHi = MapId::kHighResolution;
constexpr MapId kSs = MapId::kSunSpec;

constexpr MapPoint Point(MapId map, std::uint16_t address, WireType type, Source source, std::uint8_t index,
                         double scale, const char* name, const char* unit) {
  return MapPoint{map, address, type, source, index, scale, ScaleGroup::kFixed, 0, name, unit};
}
constexpr MapPoint Reserved(MapId map, std::uint16_t address, std::uint8_t words, const char* name) {
  return MapPoint{map, address, WireType::kReserved, Source::kNone, words, 1, ScaleGroup::kFixed, 0, name, ""};
}
constexpr MapPoint Sunspec(std::uint16_t address, WireType type, Source source, std::uint8_t index, ScaleGroup group,
                           const char* name, const char* unit) {
  return MapPoint{kSs, address, type, source, index, 1, group, 0, name, unit};
}
constexpr MapPoint Text(std::uint16_t address, std::uint8_t registers, TextId text, const char* name) {
  return MapPoint{kSs, address, WireType::kString, Source::kText, text, 1, ScaleGroup::kFixed, registers, name, ""};
}
constexpr MapPoint Constant(MapId map, std::uint16_t address, WireType type, ConstantId c, const char* name) {
  return MapPoint{map, address, type, Source::kConstant, c, 1, ScaleGroup::kFixed, 0, name, ""};
}

using W = WireType;
using S = Source;
using G = ScaleGroup;
constexpr W kCgInt = W::kInt32LowWordFirst;
constexpr double kPerSecondToHours100 = 100.0 / 3600.0;  // h x 100 per second

// SunSpec model 201-204 body (L = 105) from the model's second register.
constexpr std::uint16_t kM = 40070;   // model 2xx's ID register
constexpr std::uint16_t kB = kM + 2;  // first point

constexpr MapPoint kMap[] = {
    // --- Carlo Gavazzi EM24-Ethernet / EM300 layout, 0x0000-0x0065 ---
    Point(kCg, 0x00, kCgInt, S::kPhaseV, 0, 10, "V L1-N", "V"),
    Point(kCg, 0x02, kCgInt, S::kPhaseV, 1, 10, "V L2-N", "V"),
    Point(kCg, 0x04, kCgInt, S::kPhaseV, 2, 10, "V L3-N", "V"),
    Point(kCg, 0x06, kCgInt, S::kLineV, 0, 10, "V L1-L2", "V"),
    Point(kCg, 0x08, kCgInt, S::kLineV, 1, 10, "V L2-L3", "V"),
    // Its high word, 0x000B, is where a CG model code would be: it reads 0
    // for every voltage below 6553.5 V (larger ones saturate the low word).
    Point(kCg, 0x0A, kCgInt, S::kLineV, 2, 10, "V L3-L1", "V"),
    Point(kCg, 0x0C, kCgInt, S::kPhaseI, 0, 1000, "A L1", "A"),
    Point(kCg, 0x0E, kCgInt, S::kPhaseI, 1, 1000, "A L2", "A"),
    Point(kCg, 0x10, kCgInt, S::kPhaseI, 2, 1000, "A L3", "A"),
    Point(kCg, 0x12, kCgInt, S::kPhaseP, 0, 10, "W L1", "W"),
    Point(kCg, 0x14, kCgInt, S::kPhaseP, 1, 10, "W L2", "W"),
    Point(kCg, 0x16, kCgInt, S::kPhaseP, 2, 10, "W L3", "W"),
    Point(kCg, 0x18, kCgInt, S::kPhaseS, 0, 10, "VA L1", "VA"),
    Point(kCg, 0x1A, kCgInt, S::kPhaseS, 1, 10, "VA L2", "VA"),
    Point(kCg, 0x1C, kCgInt, S::kPhaseS, 2, 10, "VA L3", "VA"),
    Point(kCg, 0x1E, kCgInt, S::kPhaseQ, 0, 10, "var L1", "var"),
    Point(kCg, 0x20, kCgInt, S::kPhaseQ, 1, 10, "var L2", "var"),
    Point(kCg, 0x22, kCgInt, S::kPhaseQ, 2, 10, "var L3", "var"),
    Point(kCg, 0x24, kCgInt, S::kAverageVln, 0, 10, "V L-N sys (mean)", "V"),
    Point(kCg, 0x26, kCgInt, S::kAverageVll, 0, 10, "V L-L sys (mean)", "V"),
    Point(kCg, 0x28, kCgInt, S::kTotalP, 0, 10, "W sys", "W"),
    Point(kCg, 0x2A, kCgInt, S::kTotalS, 0, 10, "VA sys", "VA"),
    Point(kCg, 0x2C, kCgInt, S::kTotalQ, 0, 10, "var sys", "var"),
    Point(kCg, 0x2E, W::kInt16, S::kPhasePf, 0, 1000, "PF L1", ""),
    Point(kCg, 0x2F, W::kInt16, S::kPhasePf, 1, 1000, "PF L2", ""),
    Point(kCg, 0x30, W::kInt16, S::kPhasePf, 2, 1000, "PF L3", ""),
    Point(kCg, 0x31, W::kInt16, S::kTotalPf, 0, 1000, "PF sys", ""),
    Point(kCg, 0x32, W::kInt16, S::kPhaseSequence, 0, 1, "Phase sequence (-1 L1-L3-L2, 0 L1-L2-L3)", ""),
    Point(kCg, 0x33, W::kInt16, S::kFrequency, 0, 10, "Hz", "Hz"),
    Point(kCg, 0x34, kCgInt, S::kEnergy, kWhImport, 10, "kWh(+) total", "kWh"),
    Point(kCg, 0x36, kCgInt, S::kEnergy, kVarhImport, 10, "kvarh(+) total", "kvarh"),
    Reserved(kCg, 0x38, 2, "reserved (W dmd)"),
    Reserved(kCg, 0x3A, 2, "reserved (W dmd peak)"),
    Point(kCg, 0x3C, kCgInt, S::kEnergy, kPartialWhImport, 10, "kWh(+) partial", "kWh"),
    Point(kCg, 0x3E, kCgInt, S::kEnergy, kPartialVarhImport, 10, "kvarh(+) partial", "kvarh"),
    Point(kCg, 0x40, kCgInt, S::kEnergy, kWhImportA, 10, "kWh(+) L1", "kWh"),
    Point(kCg, 0x42, kCgInt, S::kEnergy, kWhImportB, 10, "kWh(+) L2", "kWh"),
    Point(kCg, 0x44, kCgInt, S::kEnergy, kWhImportC, 10, "kWh(+) L3", "kWh"),
    Point(kCg, 0x46, kCgInt, S::kEnergy, kWhImportTariff1, 10, "kWh(+) tariff 1", "kWh"),
    Point(kCg, 0x48, kCgInt, S::kEnergy, kWhImportTariff2, 10, "kWh(+) tariff 2", "kWh"),
    Reserved(kCg, 0x4A, 4, "reserved (tariffs 3, 4)"),
    Point(kCg, 0x4E, kCgInt, S::kEnergy, kWhExport, 10, "kWh(-) total", "kWh"),
    Point(kCg, 0x50, kCgInt, S::kEnergy, kVarhExport, 10, "kvarh(-) total", "kvarh"),
    Point(kCg, 0x52, kCgInt, S::kEnergy, kPartialWhExport, 10, "kWh(-) partial", "kWh"),
    Point(kCg, 0x54, kCgInt, S::kEnergy, kPartialVarhExport, 10, "kvarh(-) partial", "kvarh"),
    Point(kCg, 0x56, kCgInt, S::kEnergy, kVAh, 10, "kVAh total", "kVAh"),
    Point(kCg, 0x58, kCgInt, S::kEnergy, kPartialVAh, 10, "kVAh partial", "kVAh"),
    Point(kCg, 0x5A, kCgInt, S::kSeconds, kRunSeconds, kPerSecondToHours100, "Run hours (importing or exporting)", "h"),
    Reserved(kCg, 0x5C, 4, "reserved"),
    Point(kCg, 0x60, kCgInt, S::kEnergy, kWhExportA, 10, "kWh(-) L1", "kWh"),
    Point(kCg, 0x62, kCgInt, S::kEnergy, kWhExportB, 10, "kWh(-) L2", "kWh"),
    Point(kCg, 0x64, kCgInt, S::kEnergy, kWhExportC, 10, "kWh(-) L3", "kWh"),

    // --- Our own map at full resolution, 0x1000-0x10F9 (high word first) ---
    Point(kHi, 0x1000, W::kUint32, S::kWindowSequence, 0, 1, "Window sequence number", ""),
    Point(kHi, 0x1002, W::kUint64, S::kTimeMs, 0, 1, "Window end, ms since 1970-01-01 UTC", "ms"),
    Point(kHi, 0x1006, W::kUint32, S::kFlags, 0, 1, "Window flags (bit field, as the JSON flag names)", ""),
    Point(kHi, 0x1008, W::kUint16, S::kWiringCode, 0, 1, "Wiring (0 1P2W, 1 2P3W, 2 3P3W, 3 3P4W, 4 3P4W high leg)",
          ""),
    Point(kHi, 0x1009, W::kUint16, S::kTariff, 0, 1, "Active tariff (1, 2)", ""),
    Point(kHi, 0x100A, W::kInt32, S::kFrequency, 0, 10000, "Frequency", "Hz"),
    Point(kHi, 0x100C, W::kInt32, S::kPhaseV, 0, 1000, "V L1-N", "V"),
    Point(kHi, 0x100E, W::kInt32, S::kPhaseV, 1, 1000, "V L2-N", "V"),
    Point(kHi, 0x1010, W::kInt32, S::kPhaseV, 2, 1000, "V L3-N", "V"),
    Point(kHi, 0x1012, W::kInt32, S::kLineV, 0, 1000, "V L1-L2", "V"),
    Point(kHi, 0x1014, W::kInt32, S::kLineV, 1, 1000, "V L2-L3", "V"),
    Point(kHi, 0x1016, W::kInt32, S::kLineV, 2, 1000, "V L3-L1", "V"),
    Point(kHi, 0x1018, W::kInt32, S::kPhaseI, 0, 10000, "A L1", "A"),
    Point(kHi, 0x101A, W::kInt32, S::kPhaseI, 1, 10000, "A L2", "A"),
    Point(kHi, 0x101C, W::kInt32, S::kPhaseI, 2, 10000, "A L3", "A"),
    Point(kHi, 0x101E, W::kInt32, S::kNeutralI, 0, 10000, "A N (from the phase currents)", "A"),
    Point(kHi, 0x1020, W::kInt32, S::kPhaseP, 0, 100, "W L1", "W"),
    Point(kHi, 0x1022, W::kInt32, S::kPhaseP, 1, 100, "W L2", "W"),
    Point(kHi, 0x1024, W::kInt32, S::kPhaseP, 2, 100, "W L3", "W"),
    Point(kHi, 0x1026, W::kInt32, S::kTotalP, 0, 100, "W sys", "W"),
    Point(kHi, 0x1028, W::kInt32, S::kPhaseQ, 0, 100, "var L1 (+ inductive)", "var"),
    Point(kHi, 0x102A, W::kInt32, S::kPhaseQ, 1, 100, "var L2", "var"),
    Point(kHi, 0x102C, W::kInt32, S::kPhaseQ, 2, 100, "var L3", "var"),
    Point(kHi, 0x102E, W::kInt32, S::kTotalQ, 0, 100, "var sys", "var"),
    Point(kHi, 0x1030, W::kInt32, S::kPhaseS, 0, 100, "VA L1", "VA"),
    Point(kHi, 0x1032, W::kInt32, S::kPhaseS, 1, 100, "VA L2", "VA"),
    Point(kHi, 0x1034, W::kInt32, S::kPhaseS, 2, 100, "VA L3", "VA"),
    Point(kHi, 0x1036, W::kInt32, S::kTotalS, 0, 100, "VA sys", "VA"),
    Point(kHi, 0x1038, W::kInt32, S::kPhasePf, 0, 10000, "PF L1", ""),
    Point(kHi, 0x103A, W::kInt32, S::kPhasePf, 1, 10000, "PF L2", ""),
    Point(kHi, 0x103C, W::kInt32, S::kPhasePf, 2, 10000, "PF L3", ""),
    Point(kHi, 0x103E, W::kInt32, S::kTotalPf, 0, 10000, "PF sys", ""),
    Point(kHi, 0x1040, W::kInt32, S::kPhaseP1, 0, 100, "W fundamental L1", "W"),
    Point(kHi, 0x1042, W::kInt32, S::kPhaseP1, 1, 100, "W fundamental L2", "W"),
    Point(kHi, 0x1044, W::kInt32, S::kPhaseP1, 2, 100, "W fundamental L3", "W"),
    Point(kHi, 0x1046, W::kInt32, S::kPhaseQ1, 0, 100, "var fundamental L1", "var"),
    Point(kHi, 0x1048, W::kInt32, S::kPhaseQ1, 1, 100, "var fundamental L2", "var"),
    Point(kHi, 0x104A, W::kInt32, S::kPhaseQ1, 2, 100, "var fundamental L3", "var"),
    Point(kHi, 0x104C, W::kInt32, S::kPhaseThdV, 0, 100, "THD V L1-N", "%"),
    Point(kHi, 0x104E, W::kInt32, S::kPhaseThdV, 1, 100, "THD V L2-N", "%"),
    Point(kHi, 0x1050, W::kInt32, S::kPhaseThdV, 2, 100, "THD V L3-N", "%"),
    Point(kHi, 0x1052, W::kInt32, S::kLineThdV, 0, 100, "THD V L1-L2", "%"),
    Point(kHi, 0x1054, W::kInt32, S::kLineThdV, 1, 100, "THD V L2-L3", "%"),
    Point(kHi, 0x1056, W::kInt32, S::kLineThdV, 2, 100, "THD V L3-L1", "%"),
    Point(kHi, 0x1058, W::kInt32, S::kPhaseThdI, 0, 100, "THD A L1", "%"),
    Point(kHi, 0x105A, W::kInt32, S::kPhaseThdI, 1, 100, "THD A L2", "%"),
    Point(kHi, 0x105C, W::kInt32, S::kPhaseThdI, 2, 100, "THD A L3", "%"),
    Point(kHi, 0x105E, W::kInt32, S::kUnbalance, 0, 100, "Unbalance V, negative sequence u2", "%"),
    Point(kHi, 0x1060, W::kInt32, S::kUnbalance, 1, 100, "Unbalance V, zero sequence u0", "%"),
    Point(kHi, 0x1062, W::kInt32, S::kUnbalance, 2, 100, "Unbalance A, negative sequence", "%"),
    Point(kHi, 0x1064, W::kInt32, S::kUnbalance, 3, 100, "Unbalance A, zero sequence", "%"),
    Point(kHi, 0x1066, W::kUint32, S::kStatusBits, 0, 1, "Status (bit 0 window valid, bit 1 registers restored)", ""),
    Point(kHi, 0x1068, W::kUint64, S::kLostFrames, 0, 1, "Frames lost by the acquisition", ""),
    Point(kHi, 0x106C, W::kUint64, S::kEnergy, kWhImport, 1e6, "Wh import (A+)", "mWh"),
    Point(kHi, 0x1070, W::kUint64, S::kEnergy, kWhExport, 1e6, "Wh export (A-)", "mWh"),
    Point(kHi, 0x1074, W::kUint64, S::kEnergy, kVarhImport, 1e6, "varh import (R+)", "mvarh"),
    Point(kHi, 0x1078, W::kUint64, S::kEnergy, kVarhExport, 1e6, "varh export (R-)", "mvarh"),
    Point(kHi, 0x107C, W::kUint64, S::kEnergy, kVAh, 1e6, "VAh", "mVAh"),
    Point(kHi, 0x1080, W::kUint64, S::kEnergy, kWhQ1, 1e6, "Wh quadrant I", "mWh"),
    Point(kHi, 0x1084, W::kUint64, S::kEnergy, kWhQ2, 1e6, "Wh quadrant II", "mWh"),
    Point(kHi, 0x1088, W::kUint64, S::kEnergy, kWhQ3, 1e6, "Wh quadrant III", "mWh"),
    Point(kHi, 0x108C, W::kUint64, S::kEnergy, kWhQ4, 1e6, "Wh quadrant IV", "mWh"),
    Point(kHi, 0x1090, W::kUint64, S::kEnergy, kVarhQ1, 1e6, "varh quadrant I (R1)", "mvarh"),
    Point(kHi, 0x1094, W::kUint64, S::kEnergy, kVarhQ2, 1e6, "varh quadrant II (R2)", "mvarh"),
    Point(kHi, 0x1098, W::kUint64, S::kEnergy, kVarhQ3, 1e6, "varh quadrant III (R3)", "mvarh"),
    Point(kHi, 0x109C, W::kUint64, S::kEnergy, kVarhQ4, 1e6, "varh quadrant IV (R4)", "mvarh"),
    Point(kHi, 0x10A0, W::kUint64, S::kEnergy, kVAhQ1, 1e6, "VAh quadrant I", "mVAh"),
    Point(kHi, 0x10A4, W::kUint64, S::kEnergy, kVAhQ2, 1e6, "VAh quadrant II", "mVAh"),
    Point(kHi, 0x10A8, W::kUint64, S::kEnergy, kVAhQ3, 1e6, "VAh quadrant III", "mVAh"),
    Point(kHi, 0x10AC, W::kUint64, S::kEnergy, kVAhQ4, 1e6, "VAh quadrant IV", "mVAh"),
    Point(kHi, 0x10B0, W::kUint64, S::kEnergy, kWhImportTariff1, 1e6, "Wh import, tariff 1", "mWh"),
    Point(kHi, 0x10B4, W::kUint64, S::kEnergy, kWhImportTariff2, 1e6, "Wh import, tariff 2", "mWh"),
    Point(kHi, 0x10B8, W::kUint64, S::kEnergy, kWhImportA, 1e6, "Wh import L1", "mWh"),
    Point(kHi, 0x10BC, W::kUint64, S::kEnergy, kWhImportB, 1e6, "Wh import L2", "mWh"),
    Point(kHi, 0x10C0, W::kUint64, S::kEnergy, kWhImportC, 1e6, "Wh import L3", "mWh"),
    Point(kHi, 0x10C4, W::kUint64, S::kEnergy, kWhExportA, 1e6, "Wh export L1", "mWh"),
    Point(kHi, 0x10C8, W::kUint64, S::kEnergy, kWhExportB, 1e6, "Wh export L2", "mWh"),
    Point(kHi, 0x10CC, W::kUint64, S::kEnergy, kWhExportC, 1e6, "Wh export L3", "mWh"),
    Point(kHi, 0x10D0, W::kUint64, S::kEnergy, kVarhImportA, 1e6, "varh import L1", "mvarh"),
    Point(kHi, 0x10D4, W::kUint64, S::kEnergy, kVarhImportB, 1e6, "varh import L2", "mvarh"),
    Point(kHi, 0x10D8, W::kUint64, S::kEnergy, kVarhImportC, 1e6, "varh import L3", "mvarh"),
    Point(kHi, 0x10DC, W::kUint64, S::kEnergy, kVarhExportA, 1e6, "varh export L1", "mvarh"),
    Point(kHi, 0x10E0, W::kUint64, S::kEnergy, kVarhExportB, 1e6, "varh export L2", "mvarh"),
    Point(kHi, 0x10E4, W::kUint64, S::kEnergy, kVarhExportC, 1e6, "varh export L3", "mvarh"),
    Point(kHi, 0x10E8, W::kUint64, S::kEnergy, kPartialWhImport, 1e6, "Partial Wh import", "mWh"),
    Point(kHi, 0x10EC, W::kUint64, S::kEnergy, kPartialWhExport, 1e6, "Partial Wh export", "mWh"),
    Point(kHi, 0x10F0, W::kUint64, S::kEnergy, kPartialVarhImport, 1e6, "Partial varh import", "mvarh"),
    Point(kHi, 0x10F4, W::kUint64, S::kEnergy, kPartialVarhExport, 1e6, "Partial varh export", "mvarh"),
    Point(kHi, 0x10F8, W::kUint64, S::kEnergy, kPartialVAh, 1e6, "Partial VAh", "mVAh"),
    Point(kHi, 0x10FC, W::kUint64, S::kEnergy, kPartialWhQ1, 1e6, "Partial Wh quadrant I", "mWh"),
    Point(kHi, 0x1100, W::kUint64, S::kEnergy, kPartialWhQ2, 1e6, "Partial Wh quadrant II", "mWh"),
    Point(kHi, 0x1104, W::kUint64, S::kEnergy, kPartialWhQ3, 1e6, "Partial Wh quadrant III", "mWh"),
    Point(kHi, 0x1108, W::kUint64, S::kEnergy, kPartialWhQ4, 1e6, "Partial Wh quadrant IV", "mWh"),
    Point(kHi, 0x110C, W::kUint64, S::kEnergy, kPartialVarhQ1, 1e6, "Partial varh quadrant I", "mvarh"),
    Point(kHi, 0x1110, W::kUint64, S::kEnergy, kPartialVarhQ2, 1e6, "Partial varh quadrant II", "mvarh"),
    Point(kHi, 0x1114, W::kUint64, S::kEnergy, kPartialVarhQ3, 1e6, "Partial varh quadrant III", "mvarh"),
    Point(kHi, 0x1118, W::kUint64, S::kEnergy, kPartialVarhQ4, 1e6, "Partial varh quadrant IV", "mvarh"),
    Point(kHi, 0x111C, W::kUint64, S::kEnergy, kPartialVAhQ1, 1e6, "Partial VAh quadrant I", "mVAh"),
    Point(kHi, 0x1120, W::kUint64, S::kEnergy, kPartialVAhQ2, 1e6, "Partial VAh quadrant II", "mVAh"),
    Point(kHi, 0x1124, W::kUint64, S::kEnergy, kPartialVAhQ3, 1e6, "Partial VAh quadrant III", "mVAh"),
    Point(kHi, 0x1128, W::kUint64, S::kEnergy, kPartialVAhQ4, 1e6, "Partial VAh quadrant IV", "mVAh"),
    Point(kHi, 0x112C, W::kUint64, S::kSeconds, kImportSeconds, 1000, "Time importing", "ms"),
    Point(kHi, 0x1130, W::kUint64, S::kSeconds, kExportSeconds, 1000, "Time exporting", "ms"),
    Point(kHi, 0x1134, W::kUint64, S::kSeconds, kOnSeconds, 1000, "Time powered", "ms"),
    Point(kHi, 0x1138, W::kUint64, S::kSeconds, kPartialImportSeconds, 1000, "Partial time importing", "ms"),
    Point(kHi, 0x113C, W::kUint64, S::kSeconds, kPartialExportSeconds, 1000, "Partial time exporting", "ms"),

    // --- SunSpec, holding registers from 40000 ---
    Constant(kSs, 40000, W::kUint16, kSunSpecMarkerHigh, "SunS marker 'Su'"),
    Constant(kSs, 40001, W::kUint16, kSunSpecMarkerLow, "SunS marker 'nS'"),
    Constant(kSs, 40002, W::kUint16, kModel1Id, "Model 1 ID (1)"),
    Constant(kSs, 40003, W::kUint16, kModel1Length, "Model 1 L (66)"),
    Text(40004, 16, kManufacturer, "Mn (manufacturer)"),
    Text(40020, 16, kModel, "Md (model)"),
    Text(40036, 8, kOptions, "Opt (wiring)"),
    Text(40044, 8, kVersion, "Vr (software version)"),
    Text(40052, 16, kSerial, "SN (serial number)"),
    Constant(kSs, 40068, W::kUint16, kUnitId, "DA (Modbus unit id)"),
    Constant(kSs, 40069, W::kUint16, kZero, "Pad"),
    Constant(kSs, kM, W::kUint16, kModel2xxId, "Model ID (201 1P2W, 202 2P3W, 203 3P4W, 204 3P3W)"),
    Constant(kSs, kM + 1, W::kUint16, kModel2xxLength, "Model L (105)"),
    Sunspec(kB + 0, W::kInt16, S::kSumI, 0, G::kA, "A (sum of phases)", "A"),
    Sunspec(kB + 1, W::kInt16, S::kPhaseI, 0, G::kA, "AphA", "A"),
    Sunspec(kB + 2, W::kInt16, S::kPhaseI, 1, G::kA, "AphB", "A"),
    Sunspec(kB + 3, W::kInt16, S::kPhaseI, 2, G::kA, "AphC", "A"),
    Sunspec(kB + 4, W::kScaleFactor, S::kSunSpecScale, 0, G::kA, "A_SF", ""),
    Sunspec(kB + 5, W::kInt16, S::kAverageVln, 0, G::kV, "PhV (mean L-N)", "V"),
    Sunspec(kB + 6, W::kInt16, S::kPhaseV, 0, G::kV, "PhVphA", "V"),
    Sunspec(kB + 7, W::kInt16, S::kPhaseV, 1, G::kV, "PhVphB", "V"),
    Sunspec(kB + 8, W::kInt16, S::kPhaseV, 2, G::kV, "PhVphC", "V"),
    Sunspec(kB + 9, W::kInt16, S::kAverageVll, 0, G::kV, "PPV (mean L-L)", "V"),
    Sunspec(kB + 10, W::kInt16, S::kLineV, 0, G::kV, "PPVphAB", "V"),
    Sunspec(kB + 11, W::kInt16, S::kLineV, 1, G::kV, "PPVphBC", "V"),
    Sunspec(kB + 12, W::kInt16, S::kLineV, 2, G::kV, "PPVphCA", "V"),
    Sunspec(kB + 13, W::kScaleFactor, S::kSunSpecScale, 0, G::kV, "V_SF", ""),
    Sunspec(kB + 14, W::kInt16, S::kFrequency, 0, G::kHz, "Hz", "Hz"),
    Sunspec(kB + 15, W::kScaleFactor, S::kSunSpecScale, 0, G::kHz, "Hz_SF", ""),
    Sunspec(kB + 16, W::kInt16, S::kTotalP, 0, G::kW, "W", "W"),
    Sunspec(kB + 17, W::kInt16, S::kPhaseP, 0, G::kW, "WphA", "W"),
    Sunspec(kB + 18, W::kInt16, S::kPhaseP, 1, G::kW, "WphB", "W"),
    Sunspec(kB + 19, W::kInt16, S::kPhaseP, 2, G::kW, "WphC", "W"),
    Sunspec(kB + 20, W::kScaleFactor, S::kSunSpecScale, 0, G::kW, "W_SF", ""),
    Sunspec(kB + 21, W::kInt16, S::kTotalS, 0, G::kVA, "VA", "VA"),
    Sunspec(kB + 22, W::kInt16, S::kPhaseS, 0, G::kVA, "VAphA", "VA"),
    Sunspec(kB + 23, W::kInt16, S::kPhaseS, 1, G::kVA, "VAphB", "VA"),
    Sunspec(kB + 24, W::kInt16, S::kPhaseS, 2, G::kVA, "VAphC", "VA"),
    Sunspec(kB + 25, W::kScaleFactor, S::kSunSpecScale, 0, G::kVA, "VA_SF", ""),
    Sunspec(kB + 26, W::kInt16, S::kTotalQ, 0, G::kVar, "VAR", "var"),
    Sunspec(kB + 27, W::kInt16, S::kPhaseQ, 0, G::kVar, "VARphA", "var"),
    Sunspec(kB + 28, W::kInt16, S::kPhaseQ, 1, G::kVar, "VARphB", "var"),
    Sunspec(kB + 29, W::kInt16, S::kPhaseQ, 2, G::kVar, "VARphC", "var"),
    Sunspec(kB + 30, W::kScaleFactor, S::kSunSpecScale, 0, G::kVar, "VAR_SF", ""),
    Sunspec(kB + 31, W::kInt16, S::kTotalPf, 0, G::kPf, "PF", "%"),
    Sunspec(kB + 32, W::kInt16, S::kPhasePf, 0, G::kPf, "PFphA", "%"),
    Sunspec(kB + 33, W::kInt16, S::kPhasePf, 1, G::kPf, "PFphB", "%"),
    Sunspec(kB + 34, W::kInt16, S::kPhasePf, 2, G::kPf, "PFphC", "%"),
    Sunspec(kB + 35, W::kScaleFactor, S::kSunSpecScale, 0, G::kPf, "PF_SF", ""),
    Sunspec(kB + 36, W::kAcc32, S::kEnergy, kWhExport, G::kWh, "TotWhExp", "Wh"),
    Sunspec(kB + 38, W::kAcc32, S::kEnergy, kWhExportA, G::kWh, "TotWhExpPhA", "Wh"),
    Sunspec(kB + 40, W::kAcc32, S::kEnergy, kWhExportB, G::kWh, "TotWhExpPhB", "Wh"),
    Sunspec(kB + 42, W::kAcc32, S::kEnergy, kWhExportC, G::kWh, "TotWhExpPhC", "Wh"),
    Sunspec(kB + 44, W::kAcc32, S::kEnergy, kWhImport, G::kWh, "TotWhImp", "Wh"),
    Sunspec(kB + 46, W::kAcc32, S::kEnergy, kWhImportA, G::kWh, "TotWhImpPhA", "Wh"),
    Sunspec(kB + 48, W::kAcc32, S::kEnergy, kWhImportB, G::kWh, "TotWhImpPhB", "Wh"),
    Sunspec(kB + 50, W::kAcc32, S::kEnergy, kWhImportC, G::kWh, "TotWhImpPhC", "Wh"),
    Sunspec(kB + 52, W::kScaleFactor, S::kSunSpecScale, 0, G::kWh, "TotWh_SF", ""),
    Sunspec(kB + 53, W::kAcc32, S::kEnergy, kVAhExport, G::kVAh, "TotVAhExp (quadrants II, III)", "VAh"),
    Reserved(kSs, kB + 55, 6, "TotVAhExpPhA-C (not implemented: 0)"),
    Sunspec(kB + 61, W::kAcc32, S::kEnergy, kVAhImport, G::kVAh, "TotVAhImp (quadrants I, IV)", "VAh"),
    Reserved(kSs, kB + 63, 6, "TotVAhImpPhA-C (not implemented: 0)"),
    Sunspec(kB + 69, W::kScaleFactor, S::kSunSpecScale, 0, G::kVAh, "TotVAh_SF", ""),
    Sunspec(kB + 70, W::kAcc32, S::kEnergy, kVarhQ1, G::kVarh, "TotVArhImpQ1", "varh"),
    Reserved(kSs, kB + 72, 6, "TotVArhImpQ1PhA-C (not implemented: 0)"),
    Sunspec(kB + 78, W::kAcc32, S::kEnergy, kVarhQ2, G::kVarh, "TotVArhImpQ2", "varh"),
    Reserved(kSs, kB + 80, 6, "TotVArhImpQ2PhA-C (not implemented: 0)"),
    Sunspec(kB + 86, W::kAcc32, S::kEnergy, kVarhQ3, G::kVarh, "TotVArhExpQ3", "varh"),
    Reserved(kSs, kB + 88, 6, "TotVArhExpQ3PhA-C (not implemented: 0)"),
    Sunspec(kB + 94, W::kAcc32, S::kEnergy, kVarhQ4, G::kVarh, "TotVArhExpQ4", "varh"),
    Reserved(kSs, kB + 96, 6, "TotVArhExpQ4PhA-C (not implemented: 0)"),
    Sunspec(kB + 102, W::kScaleFactor, S::kSunSpecScale, 0, G::kVarh, "TotVArh_SF", ""),
    Reserved(kSs, kB + 103, 2, "Evt (no events: 0)"),
    Constant(kSs, kB + 105, W::kUint16, kEndId, "End marker ID (0xFFFF)"),
    Constant(kSs, kB + 106, W::kUint16, kEndLength, "End marker L (0)"),
};

constexpr MapRange kRanges[] = {
    {kCg, 0x0000, 0x0065, "Carlo Gavazzi EM24-Ethernet / EM300 layout"},
    {kHi, 0x1000, 0x113F, "Full resolution (our own)"},
    {kSs, 40000, kB + 106, "SunSpec"},
};

}  // namespace

int WordsOf(WireType type, int string_registers) {
  switch (type) {
    case WireType::kReserved:
      return 0;  // the point's index holds its width
    case WireType::kInt16:
    case WireType::kUint16:
    case WireType::kScaleFactor:
      return 1;
    case WireType::kInt32LowWordFirst:
    case WireType::kInt32:
    case WireType::kUint32:
    case WireType::kAcc32:
      return 2;
    case WireType::kUint64:
      return 4;
    case WireType::kString:
      return string_registers;
  }
  return 0;
}

std::string_view WireTypeName(WireType type) {
  switch (type) {
    case WireType::kReserved:
      return "reserved";
    case WireType::kInt16:
      return "INT16";
    case WireType::kUint16:
      return "UINT16";
    case WireType::kInt32LowWordFirst:
      return "INT32 (low word first)";
    case WireType::kInt32:
      return "INT32";
    case WireType::kUint32:
      return "UINT32";
    case WireType::kUint64:
      return "UINT64";
    case WireType::kAcc32:
      return "acc32";
    case WireType::kScaleFactor:
      return "sunssf";
    case WireType::kString:
      return "string";
  }
  return "?";
}

std::span<const MapPoint> RegisterMap() { return kMap; }
std::span<const MapRange> MapRanges() { return kRanges; }

int SunSpecModelFor(Wiring wiring) {
  switch (wiring) {
    case Wiring::k1P2W:
      return 201;
    case Wiring::k2P3W:
      return 202;
    case Wiring::k3P3W:
      return 204;
    case Wiring::k3P4W:
    case Wiring::k3P4WHighLeg:
      return 203;
  }
  return 203;
}

namespace {

// Smallest power of ten n >= floor such that max / 10^n fits an int16.
int FitInt16(double max, int floor) {
  int n = floor;
  while (max / std::pow(10.0, n) > 32767.0 && n < 9) ++n;
  return n;
}

}  // namespace

SunSpecScales ScalesFor(const DeviceIdentity& id) {
  SunSpecScales s;
  const double phases = PhaseCount(id.wiring);
  const double v_ll =
      id.v_max_rms * 1.7320508075688772 * (id.wiring == Wiring::k3P4WHighLeg ? 1.7320508075688772 : 1.0);
  s.a = FitInt16(phases * id.i_max_rms, -3);
  s.v = FitInt16(v_ll, -2);
  const double p_max =
      phases * id.v_max_rms * id.i_max_rms * (id.wiring == Wiring::k3P4WHighLeg ? 1.7320508075688772 : 1.0);
  s.w = s.va = s.var = FitInt16(p_max, -2);
  // Ten years at full power must stay below 2^32 counts.
  const double wh_10_years = p_max * 87660.0;
  s.wh = 0;
  while (wh_10_years / std::pow(10.0, s.wh) >= 4294967296.0) ++s.wh;
  return s;
}

int ScaleOf(const SunSpecScales& s, ScaleGroup group) {
  switch (group) {
    case ScaleGroup::kFixed:
      return 0;
    case ScaleGroup::kA:
      return s.a;
    case ScaleGroup::kV:
      return s.v;
    case ScaleGroup::kHz:
      return s.hz;
    case ScaleGroup::kW:
      return s.w;
    case ScaleGroup::kVA:
      return s.va;
    case ScaleGroup::kVar:
      return s.var;
    case ScaleGroup::kPf:
      return s.pf;
    case ScaleGroup::kWh:
    case ScaleGroup::kVAh:
    case ScaleGroup::kVarh:
      return s.wh;
  }
  return 0;
}

std::uint64_t EnergyMilli(const EnergyState& s, int id) {
  const auto set = [&](const EnergyState::Set& t, int k) -> std::uint64_t {
    switch (k) {
      case 0:
        return t.kwh_imp.milli();
      case 1:
        return t.kwh_exp.milli();
      case 2:
        return t.kvarh_imp.milli();
      case 3:
        return t.kvarh_exp.milli();
      case 4:
        return t.kvah.milli();
      default:
        break;
    }
    const int q = (k - 5) % 4;
    const auto uq = static_cast<std::size_t>(q);
    if (k < 9) return t.kwh_q[uq].milli();
    if (k < 13) return t.kvarh_q[uq].milli();
    return t.kvah_q[uq].milli();
  };
  if (id >= kWhImport && id < kPartialWhImport) return set(s.total, id - kWhImport);
  if (id >= kPartialWhImport && id < kWhImportTariff1) return set(s.partial, id - kPartialWhImport);
  switch (id) {
    case kWhImportTariff1:
      return s.kwh_imp_tariff[0].milli();
    case kWhImportTariff2:
      return s.kwh_imp_tariff[1].milli();
    case kVAhImport:
      return s.total.kvah_q[0].milli() + s.total.kvah_q[3].milli();
    case kVAhExport:
      return s.total.kvah_q[1].milli() + s.total.kvah_q[2].milli();
    default:
      break;
  }
  if (id >= kWhImportA && id < kVAhImport) {
    const int k = id - kWhImportA;
    const auto& ph = s.phases[static_cast<std::size_t>(k % 3)];
    switch (k / 3) {
      case 0:
        return ph.kwh_imp.milli();
      case 1:
        return ph.kwh_exp.milli();
      case 2:
        return ph.kvarh_imp.milli();
      default:
        return ph.kvarh_exp.milli();
    }
  }
  return 0;
}

namespace {

// A point's value before encoding.
struct Reading {
  enum Kind : std::uint8_t { kValue, kCount, kUndefined, kNotReady } kind = kUndefined;
  double value = 0;         // kValue
  std::uint64_t count = 0;  // kCount: energy milli-units
};

Reading Value(double x) {
  Reading r;
  if (std::isfinite(x)) {
    r.kind = Reading::kValue;
    r.value = x;
  }
  return r;
}
Reading NotReady() {
  Reading r;
  r.kind = Reading::kNotReady;
  return r;
}

Reading Evaluate(const MapPoint& p, const MeterSnapshot& s, const DeviceIdentity& id) {
  const WindowResult& w = s.window;
  const int phase = p.index;
  const bool phase_ok = phase < w.phase_count;
  const bool line_ok = phase < w.line_to_line_count;
  const auto up = static_cast<std::size_t>(phase < 3 ? phase : 0);
  const auto measured = [&](bool defined, float x) { return defined ? Value(static_cast<double>(x)) : Reading{}; };
  switch (p.source) {
    case Source::kNone:
      return Value(0);
    case Source::kPhaseV:
    case Source::kPhaseI:
    case Source::kPhaseP:
    case Source::kPhaseQ:
    case Source::kPhaseS:
    case Source::kPhasePf:
    case Source::kPhaseP1:
    case Source::kPhaseQ1:
    case Source::kPhaseThdV:
    case Source::kPhaseThdI:
    case Source::kLineV:
    case Source::kLineThdV:
    case Source::kAverageVln:
    case Source::kAverageVll:
    case Source::kTotalP:
    case Source::kTotalQ:
    case Source::kTotalS:
    case Source::kTotalPf:
    case Source::kSumI:
    case Source::kNeutralI:
    case Source::kFrequency:
    case Source::kPhaseSequence:
    case Source::kUnbalance:
      if (!s.has_window) return NotReady();
      break;
    default:
      break;
  }
  switch (p.source) {
    case Source::kPhaseV:
      return measured(phase_ok, w.phases[up].v_rms);
    case Source::kPhaseI:
      return measured(phase_ok, w.phases[up].i_rms);
    case Source::kPhaseP:
      return measured(phase_ok, w.phases[up].p_w);
    case Source::kPhaseQ:
      return measured(phase_ok, w.phases[up].q_var);
    case Source::kPhaseS:
      return measured(phase_ok, w.phases[up].s_va);
    case Source::kPhasePf:
      return measured(phase_ok, w.phases[up].pf);
    case Source::kPhaseP1:
      return measured(phase_ok, w.phases[up].p1_w);
    case Source::kPhaseQ1:
      return measured(phase_ok, w.phases[up].q1_var);
    case Source::kPhaseThdV:
      return measured(phase_ok, w.phases[up].thd_v_pct);
    case Source::kPhaseThdI:
      return measured(phase_ok, w.phases[up].thd_i_pct);
    case Source::kLineV:
      return measured(line_ok, w.v_ll_rms[up]);
    case Source::kLineThdV:
      return measured(line_ok, w.thd_v_ll_pct[up]);
    case Source::kAverageVln: {
      double sum = 0;
      for (int k = 0; k < w.phase_count; ++k) sum += static_cast<double>(w.phases[static_cast<std::size_t>(k)].v_rms);
      return w.phase_count > 0 ? Value(sum / w.phase_count) : Reading{};
    }
    case Source::kAverageVll: {
      double sum = 0;
      for (int k = 0; k < w.line_to_line_count; ++k)
        sum += static_cast<double>(w.v_ll_rms[static_cast<std::size_t>(k)]);
      return w.line_to_line_count > 0 ? Value(sum / w.line_to_line_count) : Reading{};
    }
    case Source::kTotalP:
      return Value(static_cast<double>(w.total.p_w));
    case Source::kTotalQ:
      return Value(static_cast<double>(w.total.q_var));
    case Source::kTotalS:
      return Value(static_cast<double>(w.total.s_va));
    case Source::kTotalPf:
      return Value(static_cast<double>(w.total.pf));
    case Source::kSumI: {
      double sum = 0;
      for (int k = 0; k < w.phase_count; ++k) sum += static_cast<double>(w.phases[static_cast<std::size_t>(k)].i_rms);
      return Value(sum);
    }
    case Source::kNeutralI:
      return measured(w.has_neutral, w.i_n_rms);
    case Source::kFrequency:
      return Value(static_cast<double>(w.f_hz));
    case Source::kPhaseSequence:
      // Reverse rotation swaps the positive and negative sequences, so the
      // voltage's u2 exceeds 100 %.
      if (!w.has_unbalance || !std::isfinite(w.unbalance_v_pct)) return Reading{};
      return Value(w.unbalance_v_pct > 100.0f ? -1.0 : 0.0);
    case Source::kUnbalance: {
      if (!w.has_unbalance) return Reading{};
      const float values[4] = {w.unbalance_v_pct, w.unbalance_v0_pct, w.unbalance_i_pct, w.unbalance_i0_pct};
      return Value(static_cast<double>(values[p.index & 3]));
    }
    case Source::kWindowSequence:
      return s.has_window ? Value(w.sequence) : Value(0);
    case Source::kTimeMs:
      return s.has_window ? Value(std::floor(s.time_unix_s * 1000.0)) : Value(0);
    case Source::kFlags:
      return Value(s.has_window ? w.flags : 0u);
    case Source::kWiringCode:
      return Value(static_cast<double>(static_cast<int>(id.wiring)));
    case Source::kTariff:
      return s.registers_ready ? Value(s.registers.tariff + 1) : NotReady();
    case Source::kLostFrames:
      return Value(static_cast<double>(s.lost_frames));
    case Source::kStatusBits:
      return Value((s.has_window ? 1 : 0) | (s.registers_ready ? 2 : 0));
    case Source::kEnergy: {
      if (!s.registers_ready) return NotReady();
      Reading r;
      r.kind = Reading::kCount;
      r.count = EnergyMilli(s.registers, p.index);
      return r;
    }
    case Source::kSeconds: {
      if (!s.registers_ready) return NotReady();
      const EnergyState& e = s.registers;
      std::uint64_t ticks = 0;
      switch (p.index) {
        case kImportSeconds:
          ticks = e.import_ticks;
          break;
        case kExportSeconds:
          ticks = e.export_ticks;
          break;
        case kOnSeconds:
          ticks = e.on_ticks;
          break;
        case kPartialImportSeconds:
          ticks = e.partial_import_ticks;
          break;
        case kPartialExportSeconds:
          ticks = e.partial_export_ticks;
          break;
        default:
          ticks = e.import_ticks + e.export_ticks;
          break;
      }
      return s.ticks_per_second > 0 ? Value(static_cast<double>(ticks) / s.ticks_per_second) : Value(0);
    }
    default:
      return Reading{};
  }
}

void PutText(std::string_view text, int registers, std::uint16_t* words) {
  for (int k = 0; k < registers; ++k) {
    const std::size_t at = static_cast<std::size_t>(2 * k);
    const unsigned hi = at < text.size() ? static_cast<unsigned char>(text[at]) : 0u;
    const unsigned lo = at + 1 < text.size() ? static_cast<unsigned char>(text[at + 1]) : 0u;
    words[k] = static_cast<std::uint16_t>((hi << 8) | lo);
  }
}

std::string_view TextOf(TextId text, const DeviceIdentity& id, char (&scratch)[33]) {
  switch (text) {
    case kManufacturer:
      return "meter-core";
    case kModel: {
      const std::string_view wiring = WiringName(id.wiring);
      std::memcpy(scratch, "meter-core ", 11);
      const std::size_t n = std::min<std::size_t>(wiring.size(), 20);
      std::memcpy(scratch + 11, wiring.data(), n);
      return std::string_view(scratch, 11 + n);
    }
    case kOptions:
      return WiringName(id.wiring);
    case kVersion:
      return std::string_view(id.version, strnlen(id.version, sizeof id.version));
    case kSerial:
      return std::string_view(id.serial, strnlen(id.serial, sizeof id.serial));
  }
  return {};
}

std::uint16_t ConstantOf(ConstantId c, const DeviceIdentity& id) {
  switch (c) {
    case kSunSpecMarkerHigh:
      return 0x5375;
    case kSunSpecMarkerLow:
      return 0x6E53;
    case kModel1Id:
      return 1;
    case kModel1Length:
      return 66;
    case kModel2xxId:
      return static_cast<std::uint16_t>(SunSpecModelFor(id.wiring));
    case kModel2xxLength:
      return 105;
    case kEndId:
      return 0xFFFF;
    case kEndLength:
      return 0;
    case kUnitId:
      return id.unit_id;
    case kZero:
      return 0;
  }
  return 0;
}

void PutU32(std::uint32_t v, bool low_first, std::uint16_t* words) {
  const auto hi = static_cast<std::uint16_t>(v >> 16);
  const auto lo = static_cast<std::uint16_t>(v & 0xFFFFu);
  words[0] = low_first ? lo : hi;
  words[1] = low_first ? hi : lo;
}

// Encodes point `p` into its WordsOf words. @returns false when the read
// must answer busy.
bool Encode(const MapPoint& p, const MeterSnapshot& s, const DeviceIdentity& id, const SunSpecScales& scales,
            std::uint16_t* words) {
  const bool sunspec = p.group != ScaleGroup::kFixed;
  switch (p.type) {
    case WireType::kReserved:
      for (int k = 0; k < p.index; ++k) words[k] = 0;
      return true;
    case WireType::kString: {
      char scratch[33] = {};
      PutText(TextOf(static_cast<TextId>(p.index), id, scratch), p.string_registers, words);
      return true;
    }
    case WireType::kScaleFactor:
      words[0] = static_cast<std::uint16_t>(static_cast<std::int16_t>(ScaleOf(scales, p.group)));
      return true;
    default:
      break;
  }
  if (p.source == Source::kConstant) {
    words[0] = ConstantOf(static_cast<ConstantId>(p.index), id);
    return true;
  }
  const Reading r = Evaluate(p, s, id);
  if (r.kind == Reading::kNotReady) return false;
  // SunSpec's scale factors are powers of ten of the SI unit; an energy
  // point's scale is per kilo-unit.
  const double sunspec_scale = std::pow(10.0, -ScaleOf(scales, p.group)) * (r.kind == Reading::kCount ? 1000.0 : 1.0);
  const double scale = sunspec ? sunspec_scale : p.scale;

  if (r.kind == Reading::kCount) {
    // Energy: truncated to whole register units (a register shows what has
    // been counted, never more).
    const double per_unit = 1e6 / scale;  // milli-units per register unit
    const auto divisor = static_cast<std::uint64_t>(std::llround(per_unit));
    const std::uint64_t units = divisor > 0 ? r.count / divisor : r.count;
    switch (p.type) {
      case WireType::kUint64:
        for (int k = 0; k < 4; ++k) words[k] = static_cast<std::uint16_t>(units >> (48 - 16 * k));
        return true;
      case WireType::kAcc32:
        PutU32(static_cast<std::uint32_t>(units), false, words);
        return true;  // rolls over
      case WireType::kInt32LowWordFirst:
      case WireType::kInt32:
        PutU32(units > 0x7FFFFFFFu ? 0x7FFFFFFFu : static_cast<std::uint32_t>(units),
               p.type == WireType::kInt32LowWordFirst, words);
        return true;
      default:
        break;
    }
  }

  // Undefined: 0 in our maps, SunSpec's "not implemented" in its own.
  const bool defined = r.kind == Reading::kValue;
  const double x = defined ? std::round(r.value * scale) : 0.0;
  switch (p.type) {
    case WireType::kInt16:
      if (sunspec && (!defined || x < -32767.0 || x > 32767.0)) {
        words[0] = 0x8000;
      } else {
        words[0] = static_cast<std::uint16_t>(static_cast<std::int16_t>(std::clamp(x, -32767.0, 32767.0)));
      }
      return true;
    case WireType::kUint16:
      words[0] = static_cast<std::uint16_t>(std::clamp(x, 0.0, 65535.0));
      return true;
    case WireType::kInt32LowWordFirst:
    case WireType::kInt32: {
      std::uint32_t raw;
      if (p.map == MapId::kCarloGavazzi && p.address == 0x0A) {
        raw = static_cast<std::uint32_t>(std::clamp(x, 0.0, 65535.0));  // keeps 0x000B at 0
      } else if (x > 2147483647.0 || x < -2147483647.0) {
        raw = 0x7FFFFFFFu;  // overflow, as Carlo Gavazzi documents
      } else {
        raw = static_cast<std::uint32_t>(static_cast<std::int32_t>(x));
      }
      PutU32(raw, p.type == WireType::kInt32LowWordFirst, words);
      return true;
    }
    case WireType::kUint32:
      PutU32(static_cast<std::uint32_t>(std::clamp(x, 0.0, 4294967295.0)), false, words);
      return true;
    case WireType::kUint64: {
      const auto v = static_cast<std::uint64_t>(std::clamp(x, 0.0, 1.8e19));
      for (int k = 0; k < 4; ++k) words[k] = static_cast<std::uint16_t>(v >> (48 - 16 * k));
      return true;
    }
    case WireType::kAcc32:
      PutU32(0, false, words);
      return true;
    default:
      return true;
  }
}

int PointWords(const MapPoint& p) {
  return p.type == WireType::kReserved ? p.index : WordsOf(p.type, p.string_registers);
}

}  // namespace

ModbusException ReadRegisters(std::uint16_t address, std::uint16_t count, const MeterSnapshot& snapshot,
                              const DeviceIdentity& id, std::uint16_t* out) {
  const std::uint32_t first = address;
  const std::uint32_t end = first + count;  // exclusive
  bool inside = false;
  for (const MapRange& r : kRanges) inside = inside || (first >= r.first && end - 1 <= r.last);
  if (count == 0 || !inside) return ModbusException::kIllegalDataAddress;
  const SunSpecScales scales = ScalesFor(id);
  std::uint16_t words[16];
  for (const MapPoint& p : kMap) {
    const int n = PointWords(p);
    const std::uint32_t p_end = static_cast<std::uint32_t>(p.address) + static_cast<std::uint32_t>(n);
    if (p_end <= first || p.address >= end) continue;
    if (!Encode(p, snapshot, id, scales, words)) return ModbusException::kServerBusy;
    for (int k = 0; k < n; ++k) {
      const std::uint32_t a = p.address + static_cast<std::uint32_t>(k);
      if (a >= first && a < end) out[a - first] = words[k];
    }
  }
  return ModbusException::kNone;
}

}  // namespace meter::interfaces
