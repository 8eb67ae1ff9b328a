#include "meter/hal/linux/scan_source.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace meter::hal::linux_board {

ScanReader::ScanReader(int fd, const ScanLayout& layout, const InputMap& map) : fd_(fd), layout_(layout), map_(map) {}

ScanReader::~ScanReader() {
  if (fd_ >= 0) close(fd_);
}

long ScanReader::Read(AdcFrame* frames, std::size_t count) {
  const std::size_t want = count * layout_.scan_bytes;
  bytes_.resize(want);
  std::size_t have = 0;
  while (have < want) {
    const ssize_t n = read(fd_, bytes_.data() + have, want - have);
    if (n < 0) {
      if (errno == EINTR && stop_ != nullptr && *stop_ != 0) {
        stopped_ = true;
        have -= have % layout_.scan_bytes;  // shutting down: drop a partial scan
        break;
      }
      if (errno == EINTR) continue;
      error_ = std::string("read: ") + std::strerror(errno);
      return -1;
    }
    if (n == 0) break;  // end of file or pipe closed
    if (stop_ != nullptr && *stop_ != 0) {
      stopped_ = true;
      have += static_cast<std::size_t>(n);
      have -= have % layout_.scan_bytes;
      break;
    }
    have += static_cast<std::size_t>(n);
  }
  if (have % layout_.scan_bytes != 0) {
    error_ = "input ends inside a scan (" + std::to_string(have % layout_.scan_bytes) + " of " +
             std::to_string(layout_.scan_bytes) + " bytes)";
    return -1;
  }
  const std::size_t scans = have / layout_.scan_bytes;
  for (std::size_t s = 0; s < scans; ++s) {
    const std::uint8_t* scan = bytes_.data() + s * layout_.scan_bytes;
    AdcFrame& f = frames[s];
    for (std::size_t input = 0; input < 6; ++input) {
      const int e = map_[input];
      const std::int32_t code = e < 0 ? 0
                                      : DecodeScanElement(scan + layout_.offsets[static_cast<std::size_t>(e)],
                                                          layout_.types[static_cast<std::size_t>(e)]);
      if (input < 3) {
        f.v[input] = code;
      } else {
        f.i[input - 3] = code;
      }
    }
  }
  return static_cast<long>(scans);
}

namespace {

bool ReadText(const std::filesystem::path& p, std::string& out) {
  std::ifstream in(p);
  if (!in) return false;
  std::stringstream ss;
  ss << in.rdbuf();
  out = ss.str();
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return true;
}

bool WriteText(const std::filesystem::path& p, const std::string& text) {
  std::ofstream out(p);
  out << text;
  return static_cast<bool>(out.flush());
}

}  // namespace

Status OpenIioCapture(const std::string& device_dir, const std::string& node, int buffer_length, IioCapture& out,
                      std::string& why) {
  namespace fs = std::filesystem;
  const fs::path dir(device_dir);
  const fs::path scan_dir = dir / "scan_elements";
  std::error_code ec;
  if (!fs::is_directory(scan_dir, ec)) {
    why = scan_dir.string() + ": no scan_elements directory (not an IIO device with a buffer?)";
    return Status::kUnavailable;
  }
  // Disable the buffer while the scan changes (it may be left enabled).
  WriteText(dir / "buffer" / "enable", "0");
  struct Element {
    int index;
    std::string name;
    ScanElementType type;
  };
  std::vector<Element> elements;
  for (const auto& entry : fs::directory_iterator(scan_dir, ec)) {
    const std::string file = entry.path().filename().string();
    if (file.size() < 4 || file.substr(file.size() - 3) != "_en") continue;
    const std::string name = file.substr(0, file.size() - 3);
    const bool wanted = name.rfind("in_voltage", 0) == 0 || name.rfind("in_current", 0) == 0;
    if (!WriteText(entry.path(), wanted ? "1" : "0")) {
      why = entry.path().string() + ": cannot write (permissions?)";
      return Status::kUnavailable;
    }
    if (!wanted) continue;
    std::string index_text, type_text;
    if (!ReadText(scan_dir / (name + "_index"), index_text) || !ReadText(scan_dir / (name + "_type"), type_text)) {
      why = (scan_dir / name).string() + ": missing _index or _type";
      return Status::kUnavailable;
    }
    Element e{0, name, {}};
    try {
      e.index = std::stoi(index_text);
    } catch (...) {
      why = (scan_dir / (name + "_index")).string() + ": not a number: '" + index_text + "'";
      return Status::kInvalidArgument;
    }
    if (Status s = ParseScanElementType(type_text, e.type, why); s != Status::kOk) return s;
    elements.push_back(e);
  }
  if (elements.empty()) {
    why = scan_dir.string() + ": no in_voltage* or in_current* scan elements";
    return Status::kUnavailable;
  }
  std::sort(elements.begin(), elements.end(), [](const Element& a, const Element& b) { return a.index < b.index; });
  std::vector<ScanElementType> types;
  out.channels.clear();
  for (const auto& e : elements) {
    types.push_back(e.type);
    out.channels.push_back(e.name);
  }
  if (Status s = MakeScanLayout(types.data(), static_cast<int>(types.size()), out.layout, why); s != Status::kOk)
    return s;
  std::string rate;
  out.sampling_frequency_hz = 0;
  if (ReadText(dir / "sampling_frequency", rate) || ReadText(dir / "in_voltage_sampling_frequency", rate)) {
    try {
      out.sampling_frequency_hz = std::stod(rate);
    } catch (...) {
      out.sampling_frequency_hz = 0;
    }
  }
  if (!WriteText(dir / "buffer" / "length", std::to_string(buffer_length)) ||
      !WriteText(dir / "buffer" / "enable", "1")) {
    why = (dir / "buffer").string() + ": cannot set length or enable the buffer";
    return Status::kUnavailable;
  }
  out.fd = open(node.c_str(), O_RDONLY | O_CLOEXEC);
  if (out.fd < 0) {
    why = node + ": " + std::strerror(errno);
    return Status::kUnavailable;
  }
  return Status::kOk;
}

}  // namespace meter::hal::linux_board
