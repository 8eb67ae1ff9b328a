// The embedded-Linux meter: meter-linux replays recordings as IIO scans.
// On the host its Q31 output equals meter-sim's Q31 replay of the same
// recording byte for byte; the arm-linux-gnueabihf build, run under
// qemu-arm, matches the host build within the float/fixed tolerances.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include "support/shared_recordings.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

struct ShellRun {
  int exit_code = -1;
  std::string out;
};

ShellRun Shell(const std::string& command) {
  ShellRun r;
  FILE* pipe = popen((command + " 2>/dev/null").c_str(), "r");
  if (pipe == nullptr) return r;
  char buf[65536];
  std::size_t n = 0;
  while ((n = fread(buf, 1, sizeof(buf), pipe)) > 0) r.out.append(buf, n);
  const int status = pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

std::vector<Json> Lines(const std::string& text) {
  std::vector<Json> out;
  std::stringstream ss(text);
  std::string line;
  while (std::getline(ss, line)) out.push_back(Json::parse(line));
  return out;
}

// Largest allowed difference of one field: 1e-5 of the window's apparent
// power for powers, of the value for rms values and energies; 0.001
// percentage points; 1e-5 of power factor; 0.1 mHz.
double Tolerance(const std::string& key, double a, double b, double s_total) {
  const double mag = std::max(std::fabs(a), std::fabs(b));
  auto ends = [&](const char* suffix) {
    const std::string s(suffix);
    return key.size() >= s.size() && key.compare(key.size() - s.size(), s.size(), s) == 0;
  };
  if (ends("_w") || ends("_var") || ends("_va")) return 1e-5 * s_total + 1e-6;
  if (ends("_pct")) return 1e-3;
  if (key == "pf") return 1e-5;
  if (key == "f_hz") return 1e-4;
  if (key == "t_s" || ends("duration_s") || ends("_s")) return 1e-6;
  return 1e-5 * mag + 1e-9;  // rms values, energies
}

void CompareJson(const Json& a, const Json& b, const std::string& key, double s_total, const std::string& where) {
  if (a.is_number() && b.is_number()) {
    const double x = a.get<double>(), y = b.get<double>();
    EXPECT_LE(std::fabs(x - y), Tolerance(key, x, y, s_total)) << where << " " << key << ": " << x << " vs " << y;
    return;
  }
  ASSERT_EQ(a.type(), b.type()) << where << " " << key;
  if (a.is_object()) {
    ASSERT_EQ(a.size(), b.size()) << where << " " << key;
    for (auto it = a.begin(); it != a.end(); ++it) {
      ASSERT_TRUE(b.contains(it.key())) << where << " " << it.key();
      CompareJson(it.value(), b[it.key()], it.key(), s_total, where);
    }
  } else if (a.is_array()) {
    ASSERT_EQ(a.size(), b.size()) << where << " " << key;
    for (std::size_t k = 0; k < a.size(); ++k) CompareJson(a[k], b[k], key, s_total, where);
  } else {
    EXPECT_EQ(a, b) << where << " " << key;
  }
}

void CompareOutputs(const std::string& host, const std::string& target, const std::string& what) {
  const auto a = Lines(host), b = Lines(target);
  ASSERT_EQ(a.size(), b.size()) << what;
  ASSERT_GT(a.size(), 2u) << what;
  for (std::size_t k = 0; k < a.size(); ++k) {
    double s_total = 0;
    if (a[k].contains("total") && a[k]["total"]["s_va"].is_number()) s_total = a[k]["total"]["s_va"].get<double>();
    CompareJson(a[k], b[k], "", s_total, what + " line " + std::to_string(k + 1));
  }
}

struct Recording {
  std::string name;
  std::string file;
  std::string replay_args;  // meter-sim: --rate, --map, --un, --in
  std::string linux_args;   // meter-linux: --rate, --un, --in
};

// One directory per test: CTest runs the tests of this file in parallel.
fs::path WorkDir() {
  return fs::temp_directory_path() / "meter-linux-target-test" /
         ::testing::UnitTest::GetInstance()->current_test_info()->name();
}

std::vector<Recording> Recordings() {
  const fs::path kWork = WorkDir();
  fs::create_directories(kWork);
  std::vector<Recording> r;
  // Always available: a generated 3 s recording with harmonics, off nominal.
  const std::string csv = (kWork / "generated.csv").string();
  const ShellRun g = Shell(std::string(METER_SIM_PATH) + " generate " + csv +
                           " --seconds 3 --rate 8000 --f 49.7 --un 230 --i 4 --phi 35 --v-harmonic 5:0.05 "
                           "--i-harmonic 3:0.2 --i-harmonic 7:0.05 --noise 0.0005");
  EXPECT_EQ(g.exit_code, 0);
  r.push_back({"generated", csv, "--rate 8000 --un 230 --in 5", "--rate 8000 --un 230 --in 5"});
  const fs::path shared = fs::path(METER_SHARED_DIR) / "recordings";
  if (fs::exists(shared)) {
    r.push_back({"generator-6kv-50hz", (shared / "generator-6kv-50hz/test1.cfg").string(), "--un 3464 --in 2500",
                 "--rate 5760 --un 3464 --in 2500"});
  } else {
    if (meter::testing::RecordingsRequired())
      ADD_FAILURE() << shared << " is absent and METER_REQUIRE_RECORDINGS is set";
    std::printf("note: %s absent: only the generated recording is replayed\n", shared.string().c_str());
  }
  return r;
}

std::string ArmhfDir() {
  if (const char* dir = std::getenv("METER_LINUX_ARMHF_DIR")) return dir;
  return METER_LINUX_ARMHF_DIR;
}

// meter-sim's summary names the recording channels that fed the inputs;
// meter-linux reads scans, whose elements are the inputs themselves.
std::string WithoutChannelMap(std::string jsonl) {
  const std::size_t at = jsonl.find(",\"channels\":{");
  if (at != std::string::npos) jsonl.erase(at, jsonl.find('}', at) + 1 - at);
  return jsonl;
}

TEST(LinuxTarget, HostQ31OutputEqualsMeterSimReplay) {
  const fs::path kWork = WorkDir();
  for (const Recording& rec : Recordings()) {
    const std::string scan = (kWork / (rec.name + ".scan")).string();
    const ShellRun sim =
        Shell(std::string(METER_SIM_PATH) + " replay '" + rec.file +
              "' --wiring 3p4w --json --no-progress --numeric q31 " + rec.replay_args + " --export-scan " + scan);
    ASSERT_EQ(sim.exit_code, 0) << rec.name;
    const std::string state = (kWork / ("state-" + rec.name)).string();
    fs::remove_all(state);
    const ShellRun host =
        Shell(std::string(METER_LINUX_Q31_PATH) + " --source " + scan + " --state-dir " + state + " " + rec.linux_args);
    ASSERT_EQ(host.exit_code, 0) << rec.name;
    EXPECT_EQ(host.out, WithoutChannelMap(sim.out)) << rec.name;
    // The scan arrives through a pipe just as well.
    fs::remove_all(state);
    const ShellRun piped =
        Shell("cat " + scan + " | " + METER_LINUX_Q31_PATH + " --source - --state-dir " + state + " " + rec.linux_args);
    EXPECT_EQ(piped.out, WithoutChannelMap(sim.out)) << rec.name;
  }
}

TEST(LinuxTarget, ArmhfBuildUnderQemuMatchesTheHostBuild) {
  const std::string dir = ArmhfDir();
  if (!fs::exists(fs::path(dir) / "meter-linux")) {
    if (std::getenv("METER_REQUIRE_TARGETS") != nullptr)
      FAIL() << dir << "/meter-linux missing (build the linux-armhf preset)";
    GTEST_SKIP() << dir << "/meter-linux missing: build the linux-armhf preset (cmake --workflow does not build it)";
  }
  const fs::path kWork = WorkDir();
  for (const Recording& rec : Recordings()) {
    const std::string scan = (kWork / (rec.name + ".scan")).string();
    ASSERT_EQ(Shell(std::string(METER_SIM_PATH) + " replay '" + rec.file +
                    "' --wiring 3p4w --json --no-progress --numeric q31 " + rec.replay_args + " --export-scan " + scan)
                  .exit_code,
              0);
    for (const char* program : {"meter-linux", "meter-linux-q31"}) {
      const std::string host_path = std::string(program) == "meter-linux" ? METER_LINUX_PATH : METER_LINUX_Q31_PATH;
      // Each run starts from empty registers: a state directory of its own.
      const std::string state = (kWork / (std::string(program) + "-" + rec.name)).string();
      fs::remove_all(state + "-host");
      fs::remove_all(state + "-arm");
      const ShellRun host =
          Shell(host_path + " --source " + scan + " --state-dir " + state + "-host " + rec.linux_args);
      // Debian's armhf multiarch root: the loader and libc of the armhf
      // libraries meter-linux links (cmake/toolchains/linux-armhf.cmake).
      const ShellRun arm = Shell("qemu-arm -L / " + dir + "/" + program + " --source " + scan + " --state-dir " +
                                 state + "-arm " + rec.linux_args);
      ASSERT_EQ(host.exit_code, 0) << program << " " << rec.name;
      ASSERT_EQ(arm.exit_code, 0) << program << " " << rec.name << " under qemu-arm";
      CompareOutputs(host.out, arm.out, std::string(program) + " " + rec.name);
    }
  }
}

TEST(LinuxTarget, RegistersPersistInTheFileStoreAcrossRuns) {
  const fs::path kWork = WorkDir();
  const auto recs = Recordings();
  const Recording& rec = recs.front();
  const std::string scan = (kWork / (rec.name + ".scan")).string();
  ASSERT_EQ(Shell(std::string(METER_SIM_PATH) + " replay '" + rec.file +
                  "' --wiring 3p4w --json --no-progress --numeric q31 " + rec.replay_args + " --export-scan " + scan)
                .exit_code,
            0);
  const std::string store = (kWork / "registers.bin").string();
  fs::remove(store);
  const auto energy = [&]() {
    const ShellRun r =
        Shell(std::string(METER_LINUX_PATH) + " --source " + scan + " --store " + store + " " + rec.linux_args);
    EXPECT_EQ(r.exit_code, 0);
    return Lines(r.out).back()["energy"]["kwh_imp"].get<double>();
  };
  const double first = energy();
  const double second = energy();
  EXPECT_GT(first, 0.0);
  EXPECT_NEAR(second, 2.0 * first, 1e-6 * first);  // the second run continues from the first's registers
  EXPECT_FALSE(fs::exists(store + ".tmp"));
  // A store of another layout is refused, never misread.
  { std::ofstream(store, std::ios::trunc) << "not a register store"; }
  EXPECT_NE(
      Shell(std::string(METER_LINUX_PATH) + " --source " + scan + " --store " + store + " " + rec.linux_args).exit_code,
      0);
  // The right size but no valid record: metering goes on from zero, and says so.
  {
    std::ofstream garbage(store, std::ios::trunc | std::ios::binary);
    for (int k = 0; k < 8192; ++k) garbage.put(static_cast<char>(k * 37));
  }
  const ShellRun corrupt = Shell("(" + std::string(METER_LINUX_PATH) + " --source " + scan + " --store " + store + " " +
                                 rec.linux_args + " 2>&1 >/dev/null)");
  EXPECT_EQ(corrupt.exit_code, 0);
  EXPECT_NE(corrupt.out.find("no valid register record"), std::string::npos) << corrupt.out;
  EXPECT_NEAR(energy(), 2.0 * first, 1e-6 * first);  // the corrupt run saved a valid record of one run's energy
}

TEST(LinuxTarget, IioBufferDeviceWithItsScanElements) {
  // A device as the kernel presents it: scan elements in sysfs, scans from
  // the device node (a file here). Elements deliberately listed out of index
  // order, a 16-bit big-endian element in between, and a timestamp.
  const fs::path kWork = WorkDir();
  const auto recs = Recordings();
  const Recording& rec = recs.front();
  const std::string scan = (kWork / "plain.scan").string();
  ASSERT_EQ(Shell(std::string(METER_SIM_PATH) + " replay '" + rec.file +
                  "' --wiring 3p4w --json --no-progress --numeric q31 " + rec.replay_args + " --export-scan " + scan)
                .exit_code,
            0);
  fs::remove_all(kWork / "state-plain");
  fs::remove_all(kWork / "state-iio");
  const ShellRun plain = Shell(std::string(METER_LINUX_Q31_PATH) + " --source " + scan + " --state-dir " +
                               (kWork / "state-plain").string() + " " + rec.linux_args);
  ASSERT_EQ(plain.exit_code, 0);

  const fs::path dev_dir = kWork / "dev", sys_dir = kWork / "sys" / "iio:device3";
  fs::create_directories(dev_dir);
  fs::create_directories(sys_dir / "scan_elements");
  fs::create_directories(sys_dir / "buffer");
  const auto put = [](const fs::path& p, const std::string& text) { std::ofstream(p) << text << "\n"; };
  put(sys_dir / "sampling_frequency", "8000");
  // Layout by index: 0 va(le:s24/32) 1 aux(be:s16/16) 2 vb 3 vc 4 ia 5 ib 6 ic, then the timestamp.
  const char* names[] = {"in_voltage0", "in_voltage7", "in_voltage1", "in_voltage2",
                         "in_current0", "in_current1", "in_current2"};
  for (int k = 6; k >= 0; --k) {
    put(sys_dir / "scan_elements" / (std::string(names[k]) + "_en"), "0");
    put(sys_dir / "scan_elements" / (std::string(names[k]) + "_index"), std::to_string(k));
    put(sys_dir / "scan_elements" / (std::string(names[k]) + "_type"), k == 1 ? "be:s16/16>>0" : "le:s24/32>>0");
  }
  put(sys_dir / "scan_elements" / "in_timestamp_en", "1");
  put(sys_dir / "scan_elements" / "in_timestamp_index", "7");
  put(sys_dir / "scan_elements" / "in_timestamp_type", "le:s64/64>>0");
  // Scans: 4 + 2 (+2 padding) + 5 * 4 = 28 bytes, padded to 28 (largest element 4 bytes).
  std::ifstream in(scan, std::ios::binary);
  std::ofstream node(dev_dir / "iio:device3", std::ios::binary);
  char frame[24];
  while (in.read(frame, sizeof(frame))) {
    node.write(frame, 4);
    const char aux[4] = {0x12, 0x34, 0, 0};
    node.write(aux, 4);
    node.write(frame + 4, 20);
  }
  node.close();
  const ShellRun iio =
      Shell(std::string(METER_LINUX_Q31_PATH) + " --source iio:3 --state-dir " + (kWork / "state-iio").string() +
            " --iio-sysfs " + (kWork / "sys").string() + " --iio-dev " + dev_dir.string() +
            " --map va=in_voltage0,vb=in_voltage1,vc=in_voltage2,ia=in_current0,ib=in_current1,ic=in_current2"
            " --un 230 --in 5");
  ASSERT_EQ(iio.exit_code, 0);
  EXPECT_EQ(iio.out, plain.out);
  std::ifstream en(sys_dir / "scan_elements" / "in_voltage0_en");
  std::string value;
  en >> value;
  EXPECT_EQ(value, "1");
  std::ifstream ts(sys_dir / "scan_elements" / "in_timestamp_en");
  ts >> value;
  EXPECT_EQ(value, "0");
  std::ifstream enable(sys_dir / "buffer" / "enable");
  enable >> value;
  EXPECT_EQ(value, "1");
}

TEST(LinuxTarget, StopSignalSavesTheRegistersAndExitsCleanly) {
  // A live source that never ends (a pipe kept open), then SIGTERM.
  const fs::path kWork = WorkDir();
  fs::create_directories(kWork);
  const std::string store = (kWork / "registers.bin").string();
  fs::remove(store);
  // $! is meter-linux itself (the last command of the pipeline): without
  // its handler SIGTERM would kill it with status 143 and no save.
  const std::string script = "(head -c 960000 /dev/zero; sleep 4) | " + std::string(METER_LINUX_PATH) +
                             " --source - --rate 8000 --store " + store + " > " + (kWork / "out.jsonl").string() +
                             " & sleep 1; kill -TERM $!; wait $!";
  const int status = std::system(("bash -c '" + script + "'").c_str());
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_TRUE(fs::exists(store));
  std::ifstream out(kWork / "out.jsonl");
  std::string line, last;
  while (std::getline(out, line)) last = line;
  ASSERT_FALSE(last.empty());
  const Json summary = Json::parse(last);
  EXPECT_EQ(summary["type"], "summary");
  EXPECT_NEAR(summary["duration_s"].get<double>(), 5.0, 1e-9);  // 960000 bytes = 40000 scans of 24 bytes
}

TEST(LinuxTarget, BadSourcesGiveClearErrors) {
  const fs::path kWork = WorkDir();
  EXPECT_EQ(Shell(std::string(METER_LINUX_PATH) + " --source /nonexistent.scan --rate 8000").exit_code, 1);
  EXPECT_EQ(Shell(std::string(METER_LINUX_PATH) + " --source - --rate 8000 --scan-type le:x24/32").exit_code, 2);
  EXPECT_EQ(Shell(std::string(METER_LINUX_PATH) + " --source iio:99 --iio-sysfs " + kWork.string()).exit_code, 1);
  const std::string state = " --state-dir " + (kWork / "state").string();
  EXPECT_EQ(Shell(std::string(METER_LINUX_PATH) +
                  " --source - --rate 8000 --gpio-chip /dev/nonexistent --pulse-line 3" + state)
                .exit_code,
            1);
  // A scan cut short is an error, not a silently dropped frame.
  ShellRun r = Shell("printf 'abcdefg' | " + std::string(METER_LINUX_PATH) + " --source - --rate 8000" + state);
  EXPECT_EQ(r.exit_code, 1);
}

}  // namespace
