#include "meter/hal/linux/file_inputs.h"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>

namespace meter::hal::linux_board {

namespace {

bool ReadLevels(const std::string& path, std::uint8_t& levels, std::string& why) {
  std::ifstream file(path);
  if (!file) {
    why = path + ": " + std::strerror(errno);
    return false;
  }
  std::string line;
  std::getline(file, line);
  if (!ParseInputLevels(line, levels)) {
    why = path + ": expected three 0/1 levels, \"TARIFF2 PARTIAL_RUN PARTIAL_RESET\" (e.g. \"0 1 0\"), got \"" +
          line.substr(0, 40) + "\"";
    return false;
  }
  return true;
}

}  // namespace

bool ParseInputLevels(const std::string& text, std::uint8_t& levels) {
  static constexpr std::uint8_t kBits[3] = {kInputTariff2, kInputPartialRun, kInputPartialReset};
  std::istringstream words(text);
  std::string word;
  std::uint8_t out = 0;
  int count = 0;
  while (words >> word) {
    if (count == 3 || (word != "0" && word != "1")) return false;
    if (word == "1") out = static_cast<std::uint8_t>(out | kBits[count]);
    ++count;
  }
  if (count != 3) return false;
  levels = out;
  return true;
}

Status FileDigitalInputs::Open(const std::string& path, std::string& why) {
  std::uint8_t levels = 0;
  if (!ReadLevels(path, levels, why)) return Status::kInvalidArgument;
  path_ = path;
  levels_.store(levels);
  stop_ = false;
  thread_ = std::thread([this] { Watch(); });
  return Status::kOk;
}

void FileDigitalInputs::Close() {
  if (!thread_.joinable()) return;
  stop_ = true;
  thread_.join();
}

void FileDigitalInputs::Watch() {
  std::string said;
  while (!stop_) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    std::uint8_t levels = 0;
    std::string why;
    if (ReadLevels(path_, levels, why)) {
      levels_.store(levels, std::memory_order_relaxed);
      if (!said.empty()) std::cerr << "meter-linux: inputs: " << path_ << " readable again\n";
      said.clear();
    } else if (why != said) {
      std::cerr << "meter-linux: inputs: " << why << " (keeping the last levels)\n";
      said = why;
    }
  }
}

}  // namespace meter::hal::linux_board
