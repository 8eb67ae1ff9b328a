#include "meter/host_sim/input_map.h"

#include <algorithm>
#include <cctype>

namespace meter::host_sim {
namespace {

std::string Trim(const std::string& s) {
  std::size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return s.substr(b, e - b);
}

}  // namespace

std::string ParseInputMap(const std::string& spec, InputMapSpec& out) {
  out = InputMapSpec{};
  std::size_t start = 0;
  while (start <= spec.size()) {
    std::size_t comma = spec.find(',', start);
    if (comma == std::string::npos) comma = spec.size();
    const std::string item = Trim(spec.substr(start, comma - start));
    start = comma + 1;
    if (item.empty()) continue;
    const auto eq = item.find('=');
    std::string key = Trim(item.substr(0, eq));
    std::transform(key.begin(), key.end(), key.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    const auto slot = std::find(kInputNames.begin(), kInputNames.end(), key);
    if (slot == kInputNames.end()) {
      return "unknown input '" + key + "' (inputs: va,vb,vc,ia,ib,ic,vn,in)";
    }
    if (eq == std::string::npos || Trim(item.substr(eq + 1)).empty()) {
      return "input '" + key + "' has no channel (write " + key + "=CHANNEL)";
    }
    std::string& value = out[static_cast<std::size_t>(slot - kInputNames.begin())];
    if (!value.empty()) return "input '" + key + "' is mapped twice";
    value = Trim(item.substr(eq + 1));
  }
  return "";
}

std::string DescribeChannels(const std::vector<ChannelChoice>& choices) {
  std::string text;
  for (const auto& c : choices) {
    text += (text.empty() ? "" : ", ") + c.input + "=" + c.channel;
    if (!c.units.empty()) text += " [" + c.units + "]";
  }
  return text;
}

}  // namespace meter::host_sim
