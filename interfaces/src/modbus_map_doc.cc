#include <cmath>
#include <cstdio>
#include <string>

#include "meter/interfaces/modbus_map.h"

namespace meter::interfaces {
namespace {

std::string Format(const char* format, long a, long b = 0) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, format, a, b);
  return buffer;
}

// The register numbers PLC tools show: 3xxxx (input) and 4xxxx (holding),
// 1-based; six digits once the address passes 9998.
std::string RegisterNumbers(long address) {
  if (address + 1 <= 9999) return Format("3%04ld / 4%04ld", address + 1, address + 1);
  return Format("3%05ld / 4%05ld", address + 1, address + 1);
}

std::string ScaleText(const MapPoint& p) {
  if (p.type == WireType::kReserved || p.type == WireType::kString || p.type == WireType::kScaleFactor ||
      p.source == Source::kConstant) {
    return "";
  }
  static constexpr const char* kGroups[] = {"",       "A_SF",  "V_SF",     "Hz_SF",     "W_SF",      "VA_SF",
                                            "VAR_SF", "PF_SF", "TotWh_SF", "TotVAh_SF", "TotVArh_SF"};
  if (p.group != ScaleGroup::kFixed) {
    return std::string("value = register x 10^") + kGroups[static_cast<int>(p.group)];
  }
  if (p.source == Source::kEnergy) {
    const double per_kilo = p.scale;
    if (per_kilo == 1e6) return "1 per milli-unit";
    return Format("%ld per kilo-unit", std::lround(per_kilo));
  }
  if (p.source == Source::kSeconds) {
    if (p.scale == 1000) return "1 per ms";
    return "100 per hour";
  }
  if (p.scale == 1) return "1";
  return Format("x%ld", std::lround(p.scale));
}

const char* MapTitle(MapId map) {
  for (const MapRange& r : MapRanges()) {
    if (r.map == map) return r.title;
  }
  return "";
}

}  // namespace

std::string ModbusMapMarkdown() {
  std::string out;
  MapId current = MapId::kSunSpec;
  bool first = true;
  for (const MapPoint& p : RegisterMap()) {
    if (first || p.map != current) {
      current = p.map;
      first = false;
      long lo = 0, hi = 0;
      for (const MapRange& r : MapRanges()) {
        if (r.map == p.map) lo = r.first, hi = r.last;
      }
      out += "\n### " + std::string(MapTitle(p.map)) + Format(": 0x%04lX-0x%04lX", lo, hi) +
             Format(" (%ld-%ld)\n\n", lo, hi);
      out += "| wire address | decimal | register | words | type | quantity | unit | scale |\n";
      out += "|---|---|---|---|---|---|---|---|\n";
    }
    const int words = p.type == WireType::kReserved ? p.index : WordsOf(p.type, p.string_registers);
    const std::string address =
        words > 1 ? Format("0x%04lX-0x%04lX", p.address, p.address + words - 1) : Format("0x%04lX", p.address);
    out += "| " + address + " | " + std::to_string(p.address) + " | " + RegisterNumbers(p.address) + " | " +
           std::to_string(words) + " | " + std::string(WireTypeName(p.type)) + " | " + p.name + " | " + p.unit + " | " +
           ScaleText(p) + " |\n";
  }
  return out;
}

}  // namespace meter::interfaces
