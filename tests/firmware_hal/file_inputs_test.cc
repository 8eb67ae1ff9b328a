// meter-linux's --inputs-file: the levels' parser, and a watcher that follows
// the file and keeps the last good levels when it turns unreadable.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>

#include "meter/hal/linux/file_inputs.h"

namespace meter::hal::linux_board {
namespace {

TEST(FileInputs, ParsesThreeLevels) {
  std::uint8_t levels = 0xFF;
  ASSERT_TRUE(ParseInputLevels("0 1 0", levels));
  EXPECT_EQ(levels, kInputPartialRun);
  ASSERT_TRUE(ParseInputLevels("  1\t0 1 \n", levels));
  EXPECT_EQ(levels, kInputTariff2 | kInputPartialReset);
  for (const char* bad : {"", "0 1", "0 1 0 1", "0 2 0", "a b c", "010", "0 1 -0", "1 1 1 #"}) {
    EXPECT_FALSE(ParseInputLevels(bad, levels)) << bad;
  }
}

// Polls Read() until it returns `want` (the watcher reads every 100 ms).
bool Becomes(DigitalInputs& inputs, std::uint8_t want) {
  for (int k = 0; k < 50; ++k) {
    if (inputs.Read() == want) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

TEST(FileInputs, FollowsTheFileAndKeepsTheLastGoodLevels) {
  char dir[] = "/tmp/meter-inputs-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  const std::string path = std::string(dir) + "/inputs";
  const auto write = [&](const char* text) {
    std::ofstream(path + ".tmp") << text;
    std::rename((path + ".tmp").c_str(), path.c_str());
  };
  FileDigitalInputs inputs;
  std::string why;
  EXPECT_NE(inputs.Open(path, why), Status::kOk);  // missing: refused at start
  EXPECT_NE(why.find(path), std::string::npos);
  write("0 1 0\n");
  ASSERT_EQ(inputs.Open(path, why), Status::kOk) << why;
  EXPECT_EQ(inputs.Read(), kInputPartialRun);
  write("1 1 1\n");
  EXPECT_TRUE(Becomes(inputs, kInputTariff2 | kInputPartialRun | kInputPartialReset));
  write("garbage\n");  // malformed: the last good levels stay
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(inputs.Read(), kInputTariff2 | kInputPartialRun | kInputPartialReset);
  std::remove(path.c_str());  // gone: the same
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(inputs.Read(), kInputTariff2 | kInputPartialRun | kInputPartialReset);
  write("0 0 0\n");
  EXPECT_TRUE(Becomes(inputs, 0));
  inputs.Close();
  std::remove(path.c_str());
  rmdir(dir);
}

}  // namespace
}  // namespace meter::hal::linux_board
