#pragma once
// The JSON of a window, as the JSON lines (`meter-sim replay --json`,
// `meter-linux`) and the MQTT state topic carry it: one writer, so the field
// names and units are the same everywhere. docs/REPLAY.md is the contract.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "meter/metering/energy_registers.h"
#include "meter/metering/window_result.h"

namespace meter::interfaces {

using Json = nlohmann::ordered_json;

/// A float as JSON: its shortest round-trip decimal (230.1, not the float's
/// binary expansion); NaN and infinities become null.
Json JsonNumber(float x);
/// Flag names of a flag word, in bit order (unknown bits as "bitN").
std::vector<std::string> FlagNames(std::uint32_t flags);
/// {"type":"window","sequence":...,"t_s":...,...}; `t_s` is the window's end
/// in seconds from the first sample.
Json WindowJson(const WindowResult& w, double t_s);

}  // namespace meter::interfaces
