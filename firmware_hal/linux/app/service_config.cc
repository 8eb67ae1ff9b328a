#include "service_config.h"

#include <fmt/format.h>

#include <toml++/toml.h>
#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace meter_linux {
namespace {

bool EndsWith(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

// TOML keeps the source position of every value.
bool FromToml(const std::string& source, const std::string& path, std::vector<ConfigEntry>& out, std::string& why) {
  toml::table table;
  try {
    table = toml::parse(source, path);
  } catch (const toml::parse_error& e) {
    why = fmt::format("{}:{}: {}", path, e.source().begin.line, e.description());
    return false;
  }
  for (const auto& [key, node] : table) {
    ConfigEntry entry;
    entry.key = std::string(key.str());
    entry.line = static_cast<int>(node.source().begin.line);
    const auto scalar = [&](const toml::node& n, std::string& text) {
      if (const auto* s = n.as_string()) {
        text = s->get();
        return ConfigEntry::Kind::kText;
      }
      if (const auto* i = n.as_integer()) {
        text = std::to_string(i->get());
        return ConfigEntry::Kind::kNumber;
      }
      if (const auto* f = n.as_floating_point()) {
        text = fmt::format("{}", f->get());
        return ConfigEntry::Kind::kNumber;
      }
      if (const auto* b = n.as_boolean()) {
        text = b->get() ? "true" : "false";
        return ConfigEntry::Kind::kBoolean;
      }
      return ConfigEntry::Kind::kArray;  // a table or an array: not a scalar
    };
    if (const auto* array = node.as_array()) {
      entry.kind = ConfigEntry::Kind::kArray;
      for (const auto& element : *array) {
        std::string text;
        if (scalar(element, text) == ConfigEntry::Kind::kArray) {
          why = fmt::format("{}:{}: key '{}': an array of arrays or tables is not an option value", path, entry.line,
                            entry.key);
          return false;
        }
        entry.values.push_back(text);
      }
    } else {
      std::string text;
      entry.kind = scalar(node, text);
      if (entry.kind == ConfigEntry::Kind::kArray) {
        why = fmt::format("{}:{}: key '{}': a table is not an option (options are top-level keys)", path, entry.line,
                          entry.key);
        return false;
      }
      if (entry.kind == ConfigEntry::Kind::kBoolean) {
        entry.flag_value = text == "true";
      } else {
        entry.values.push_back(text);
      }
    }
    out.push_back(std::move(entry));
  }
  return true;
}

// nlohmann-json keeps no positions: a key's line is where `"key"` first
// appears as an object key in the text.
int LineOfKey(const std::string& text, const std::string& key) {
  const std::string quoted = "\"" + key + "\"";
  std::size_t at = 0;
  while ((at = text.find(quoted, at)) != std::string::npos) {
    std::size_t after = at + quoted.size();
    while (after < text.size() && std::isspace(static_cast<unsigned char>(text[after]))) ++after;
    if (after < text.size() && text[after] == ':') {
      return 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(at), '\n'));
    }
    at += quoted.size();
  }
  return 0;
}

bool FromJson(const std::string& text, const std::string& path, std::vector<ConfigEntry>& out, std::string& why) {
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    const auto upto = std::min<std::size_t>(e.byte, text.size());
    const int line =
        1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(upto), '\n'));
    why = fmt::format("{}:{}: {}", path, line, e.what());
    return false;
  } catch (const nlohmann::json::exception& e) {
    // Found by fuzzing: a number too large for a double (8E9200) is an
    // out_of_range error, not a parse error, and carries no position.
    why = fmt::format("{}: {}", path, e.what());
    return false;
  }
  if (!doc.is_object()) {
    why = path + ":1: the configuration must be one JSON object";
    return false;
  }
  const auto scalar = [](const nlohmann::json& v, std::string& t) {
    if (v.is_string()) {
      t = v.get<std::string>();
      return ConfigEntry::Kind::kText;
    }
    if (v.is_number_integer()) {
      t = std::to_string(v.get<long long>());
      return ConfigEntry::Kind::kNumber;
    }
    if (v.is_number()) {
      t = fmt::format("{}", v.get<double>());
      return ConfigEntry::Kind::kNumber;
    }
    if (v.is_boolean()) {
      t = v.get<bool>() ? "true" : "false";
      return ConfigEntry::Kind::kBoolean;
    }
    return ConfigEntry::Kind::kArray;
  };
  for (const auto& [key, value] : doc.items()) {
    ConfigEntry entry;
    entry.key = key;
    entry.line = LineOfKey(text, key);
    if (value.is_array()) {
      entry.kind = ConfigEntry::Kind::kArray;
      for (const auto& element : value) {
        std::string t;
        if (scalar(element, t) == ConfigEntry::Kind::kArray) {
          why = fmt::format("{}:{}: key '{}': an array of arrays or objects is not an option value", path, entry.line,
                            key);
          return false;
        }
        entry.values.push_back(t);
      }
    } else {
      std::string t;
      entry.kind = scalar(value, t);
      if (entry.kind == ConfigEntry::Kind::kArray) {
        why = fmt::format("{}:{}: key '{}': {} is not an option value", path, entry.line, key,
                          value.is_null() ? "null" : "an object");
        return false;
      }
      if (entry.kind == ConfigEntry::Kind::kBoolean) {
        entry.flag_value = t == "true";
      } else {
        entry.values.push_back(t);
      }
    }
    out.push_back(std::move(entry));
  }
  return true;
}

}  // namespace

bool ParseConfigText(const std::string& text, bool json, const std::string& name, std::vector<ConfigEntry>& out,
                     std::string& why) {
  return json ? FromJson(text, name, out, why) : FromToml(text, name, out, why);
}

bool ReadConfigFile(const std::string& path, std::vector<ConfigEntry>& out, std::string& why) {
  std::ifstream file(path);
  if (!file) {
    why = path + ": cannot be read";
    return false;
  }
  std::stringstream buffer;
  buffer << file.rdbuf();
  return ParseConfigText(buffer.str(), EndsWith(path, ".json"), path, out, why);
}

}  // namespace meter_linux
