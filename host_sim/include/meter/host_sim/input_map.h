#pragma once
// The meter inputs a recording's channels feed, and `--map` that chooses
// them: one parser for every reader, so a key means the same everywhere.

#include <array>
#include <string>
#include <vector>

#include "meter/interfaces/result_sinks.h"

namespace meter::host_sim {

/// Meter inputs, in slot order: phase voltages, phase currents, then the
/// neutral-to-ground voltage (subtracted from each phase voltage) and the
/// measured neutral current (read, not used).
inline constexpr std::array<const char*, 8> kInputNames = {"va", "vb", "vc", "ia", "ib", "ic", "vn", "in"};
inline constexpr bool IsVoltageInput(int slot) { return slot < 3 || slot == 6; }

/// `--map va=ID,...`: each input's channel as written (empty: not given).
using InputMapSpec = std::array<std::string, 8>;

/// Parses `spec`. @returns an empty string, or what is wrong naming the
/// key: an item without '=', an unknown key, a key given twice, an empty
/// value.
std::string ParseInputMap(const std::string& spec, InputMapSpec& out);

/// Which recording channel feeds an input (interfaces/result_sinks.h: the
/// summary that every tool writes carries it).
using interfaces::ChannelChoice;

/// "va=VA_G1, ia=IA_G1" for a log line.
std::string DescribeChannels(const std::vector<ChannelChoice>& choices);

}  // namespace meter::host_sim
