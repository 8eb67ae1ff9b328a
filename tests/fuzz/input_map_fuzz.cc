// libFuzzer target: the --map parser on arbitrary text. It either accepts
// the text, and then every input it names is a known key with a non-empty
// channel, or it returns a message; it never crashes.
#include <cstdint>
#include <string>

#include "meter/host_sim/input_map.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string spec(reinterpret_cast<const char*>(data), size);
  meter::host_sim::InputMapSpec map;
  const std::string problem = meter::host_sim::ParseInputMap(spec, map);
  if (problem.empty()) {
    for (const auto& channel : map) {
      // A named input always has a channel without surrounding blanks.
      if (!channel.empty() && (channel.front() == ' ' || channel.back() == ' ')) __builtin_trap();
    }
    if (meter::host_sim::DescribeChannels({}).size() != 0) __builtin_trap();
  } else if (problem.find("input") == std::string::npos) {
    __builtin_trap();  // every message names the input it is about
  }
  return 0;
}
