#pragma once
// meter-linux's configuration file: every command-line option can be a key
// of a TOML (.toml) or JSON (.json) file, named as the long option without
// its dashes ("modbus-tcp", "state-dir"). The file's values come first and
// the command line overrides them. An unknown key, a wrong type or a value
// the option refuses is reported with the file, the key and its line.

#include <string>
#include <vector>

namespace meter_linux {

struct ConfigEntry {
  std::string key;
  std::vector<std::string> values;  ///< One per array element; empty for a flag.
  enum class Kind { kText, kNumber, kBoolean, kArray } kind = Kind::kText;
  bool flag_value = false;  ///< kBoolean.
  int line = 0;
};

/// Reads FILE (TOML, or JSON when its name ends in .json). @returns false with
/// `why` ("FILE:LINE: ...") for a file that cannot be read or parsed, or a
/// key whose value is a table (options are flat).
bool ReadConfigFile(const std::string& path, std::vector<ConfigEntry>& out, std::string& why);
/// The same for text already read; `name` stands for the file in messages.
bool ParseConfigText(const std::string& text, bool json, const std::string& name, std::vector<ConfigEntry>& out,
                     std::string& why);

}  // namespace meter_linux
