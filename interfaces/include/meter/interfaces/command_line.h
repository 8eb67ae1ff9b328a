#pragma once
// What the command-line tools (meter-sim, meter-linux) share about their
// options, so that each option means the same in both.

#include <string>
#include <vector>

#include "meter/metering/config.h"

namespace meter::interfaces {

/// The names --wiring takes, in metering/config.h's order (kWiringNames).
inline std::vector<std::string> WiringNameList() {
  std::vector<std::string> names;
  for (const auto& entry : kWiringNames) names.emplace_back(entry.second);
  return names;
}

}  // namespace meter::interfaces
