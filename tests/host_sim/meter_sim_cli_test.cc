// The meter-sim executable as a user runs it: exit codes, messages, and the
// JSON lines contract.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "support/shared_recordings.h"

namespace {

std::string Temp(const std::string& name) { return ::testing::TempDir() + name; }

struct ExecResult {
  int exit_code;
  std::string out;      // stdout then stderr: where a message is looked for
  std::string stdout_;  // stdout alone: what a program reading the JSON lines gets
  std::string err;      // stderr alone
};

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

ExecResult Exec(const std::string& args) {
  static int call = 0;
  // Per process and call: CTest runs this file's tests in parallel processes.
  const std::string err_file = Temp("cli_stderr_" + std::to_string(getpid()) + "_" + std::to_string(++call) + ".txt");
  const std::string cmd = std::string(METER_SIM_PATH) + " " + args + " 2>" + err_file;
  FILE* pipe = popen(cmd.c_str(), "r");
  ExecResult r{-1, {}, {}, {}};
  if (!pipe) return r;
  std::array<char, 4096> buf{};
  std::size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) r.stdout_.append(buf.data(), n);
  const int status = pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.err = ReadAll(err_file);
  r.out = r.stdout_ + r.err;
  return r;
}

TEST(MeterSimCli, JsonLinesFollowTheContract) {
  const std::string csv = Temp("cli_good.csv");
  ASSERT_EQ(
      Exec("generate " + csv + " --seconds 1.5 --f 50 --un 230 --i 5 --phi 60 --v-harmonic 5:0.1 --i-harmonic 5:0.4")
          .exit_code,
      0);
  const ExecResult r = Exec("replay " + csv + " --rate 8000 --wiring 3p4w --json");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  std::istringstream lines(r.stdout_);
  std::string line;
  int windows = 0;
  double last_t = 0;
  nlohmann::json summary;
  while (std::getline(lines, line)) {
    const auto j = nlohmann::json::parse(line);
    if (j["type"] == "window") {
      ++windows;
      for (const char* key :
           {"t_s", "f_hz", "flags", "phases", "v_ll_rms", "thd_v_ll_pct", "i_n_rms", "unbalance_v_pct", "total"}) {
        EXPECT_TRUE(j.contains(key)) << key;
      }
      ASSERT_EQ(j["phases"].size(), 3u);
      for (const char* key :
           {"v_rms", "i_rms", "p_w", "q_var", "s_va", "pf", "p1_w", "q1_var", "thd_v_pct", "thd_i_pct"}) {
        EXPECT_TRUE(j["phases"][0].contains(key)) << key;
      }
      EXPECT_GT(j["t_s"].get<double>(), last_t);
      last_t = j["t_s"].get<double>();
      if (windows > 1) {
        EXPECT_TRUE(j["flags"].empty());
        EXPECT_NEAR(j["phases"][0]["v_rms"].get<double>(), 230.0 * std::sqrt(1.01), 0.01);
        EXPECT_NEAR(j["phases"][1]["thd_i_pct"].get<double>(), 40.0, 0.05);
        EXPECT_NEAR(j["f_hz"].get<double>(), 50.0, 1e-3);
        EXPECT_EQ(j["v_ll_rms"].size(), 3u);
      } else {
        EXPECT_EQ(j["flags"][0], "settling");
      }
    } else {
      summary = j;
    }
  }
  EXPECT_EQ(windows, 7);
  ASSERT_EQ(summary["type"], "summary");
  EXPECT_EQ(summary["windows"], 7);
  EXPECT_NEAR(summary["duration_s"].get<double>(), 1.5, 1e-9);
  EXPECT_TRUE(summary["f_hz_10s"].is_array());
  // Registers: PF 0.5 inductive import, quadrant I only.
  const auto& e = summary["energy"];
  for (const char* key :
       {"kwh_imp", "kwh_exp", "kvarh_imp", "kvarh_exp", "kvah", "kwh_q", "kvarh_q", "kvah_q", "phases"}) {
    EXPECT_TRUE(e.contains(key)) << key;
  }
  const double on_s = summary["hours"]["on_s"].get<double>();
  EXPECT_NEAR(on_s, 1.5, 0.03);
  const double p_true = 3 * 230.0 * 5.0 * (std::cos(60.0 * 3.14159265358979 / 180.0) + 0.1 * 0.4 * 0.5);
  EXPECT_NEAR(e["kwh_imp"].get<double>(), p_true * on_s / 3.6e6, 0.01 * p_true * on_s / 3.6e6);
  EXPECT_EQ(e["kwh_exp"].get<double>(), 0.0);
  EXPECT_EQ(e["kwh_q"][0].get<double>(), e["kwh_imp"].get<double>());
  EXPECT_EQ(e["kwh_q"][3].get<double>(), 0.0);
  EXPECT_EQ(e["phases"].size(), 3u);
  EXPECT_TRUE(summary["pulses"].is_number_unsigned());
  EXPECT_EQ(summary["pulses"].get<int>(), static_cast<int>(e["kwh_imp"].get<double>() * 1000.0));
  EXPECT_NEAR(summary["hours"]["import_s"].get<double>(), on_s, 0.03);
}

TEST(MeterSimCli, SinglePhaseHasNoLineToLineFields) {
  const std::string csv = Temp("cli_1p.csv");
  std::ofstream(csv) << "va,ia\n";
  {
    std::ofstream out(csv, std::ios::app);
    for (int k = 0; k < 8000; ++k) {
      const double wt = 2 * 3.14159265358979 * 60.0 * k / 8000.0;
      out << 169.7 * std::cos(wt) << "," << 14.1 * std::cos(wt - 0.3) << "\n";
    }
  }
  const ExecResult r = Exec("replay " + csv + " --rate 8000 --wiring 1p2w --nominal-hz 60 --json");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const auto j = nlohmann::json::parse(r.stdout_.substr(0, r.stdout_.find('\n')));
  EXPECT_EQ(j["phases"].size(), 1u);
  EXPECT_FALSE(j.contains("v_ll_rms"));
  EXPECT_FALSE(j.contains("i_n_rms"));
  EXPECT_FALSE(j.contains("unbalance_v_pct"));
}

TEST(MeterSimCli, TableOutputByDefault) {
  const std::string csv = Temp("cli_table.csv");
  ASSERT_EQ(Exec("generate " + csv + " --seconds 0.6").exit_code, 0);
  const ExecResult r = Exec("replay " + csv + " --rate 8000 --wiring 3p4w");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("window 1"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("THD V%"), std::string::npos);
  EXPECT_NE(r.out.find("summary: 0.6000 s"), std::string::npos) << r.out;
}

// The fixed-point core through the tool: same files, quantised through the
// ADC scaling the rated values imply; beyond full scale is flagged.
TEST(MeterSimCli, NumericQ31MatchesFloatAndFlagsClipping) {
  const std::string csv = Temp("cli_q31.csv");
  ASSERT_EQ(Exec("generate " + csv + " --seconds 1.2 --phi 30 --v-harmonic 5:0.1 --i-harmonic 5:0.4").exit_code, 0);
  const ExecResult f = Exec("replay " + csv + " --rate 8000 --wiring 3p4w --json");
  const ExecResult q = Exec("replay " + csv + " --rate 8000 --wiring 3p4w --json --numeric q31");
  ASSERT_EQ(f.exit_code, 0) << f.out;
  ASSERT_EQ(q.exit_code, 0) << q.out;
  std::istringstream fl(f.stdout_), ql(q.stdout_);
  std::string a, b;
  int compared = 0;
  while (std::getline(fl, a) && std::getline(ql, b)) {
    const auto ja = nlohmann::json::parse(a), jb = nlohmann::json::parse(b);
    if (ja["type"] != "window" || ja["flags"].size() > 0) continue;
    const double s = ja["phases"][0]["s_va"].get<double>();
    EXPECT_NEAR(jb["phases"][0]["p_w"].get<double>(), ja["phases"][0]["p_w"].get<double>(), 5e-5 * s);
    EXPECT_NEAR(jb["phases"][0]["i_rms"].get<double>(), ja["phases"][0]["i_rms"].get<double>(), 5e-5 * 5.4);
    ++compared;
  }
  EXPECT_GE(compared, 4);
  // 5 A rated: full scale 18 A peak; a 20 A rms current clips.
  const std::string big = Temp("cli_q31_big.csv");
  ASSERT_EQ(Exec("generate " + big + " --seconds 0.6 --i 20").exit_code, 0);
  const ExecResult c = Exec("replay " + big + " --rate 8000 --wiring 3p4w --json --numeric q31 --in 5");
  ASSERT_EQ(c.exit_code, 0) << c.out;
  EXPECT_NE(c.out.find("\"clipped_ia\""), std::string::npos) << c.out.substr(0, 400);
  EXPECT_NE(Exec("replay " + big + " --rate 8000 --wiring 3p4w --numeric q64").exit_code, 0);
}

TEST(MeterSimCli, AccuracyCampaignWritesJsonAndReport) {
  const std::string json = Temp("accuracy.json"), dir = Temp("accuracy-report");
  const ExecResult r = Exec("accuracy --front-end av5 --numeric q31 --measure-s 1 --no-load-minutes 0.5 --json " +
                            json + " --report " + dir);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("result: class 0.5S PASS"), std::string::npos) << r.out;
  std::ifstream in(json);
  const auto j = nlohmann::json::parse(in);
  EXPECT_EQ(j["class"], "0.5S");
  EXPECT_EQ(j["front_end"], "av5");
  EXPECT_EQ(j["numeric"], "q31");
  EXPECT_EQ(j["pass"], true);
  bool reactive = false;
  for (const auto& p : j["points"]) reactive |= p.value("quantity", "") == "reactive";
  EXPECT_TRUE(reactive);
  for (const char* f : {"/report.md", "/points.csv", "/pf_1.png", "/pf_0.5L.png", "/pf_0.8C.png", "/pf_sin1.png"}) {
    EXPECT_TRUE(std::ifstream(dir + f).good()) << f;
  }
  // Judged against 0.1S, the same meter fails, and the exit status says so.
  const ExecResult strict = Exec("accuracy --class 0.1S --measure-s 1 --no-load-minutes 0.2");
  EXPECT_EQ(strict.exit_code, 1) << strict.out;
  EXPECT_NE(strict.out.find("result: class 0.1S FAIL"), std::string::npos);
}

// Every recording in ../shared/recordings replays without error. Two
// configurations of the format samples come without their own data file;
// the collection pairs them with sample_ascii.dat.
TEST(MeterSimCli, EveryRecordingReplays) {
  METER_NEED_SHARED_RECORDINGS();
  const std::string shared = METER_SHARED_DIR;
  int replayed = 0, with_windows = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(shared + "/recordings")) {
    const std::string path = entry.path().string();
    const std::string ext = entry.path().extension().string();
    if (ext != ".cfg" && ext != ".cff") continue;
    std::string extra;
    const std::string name = entry.path().filename().string();
    if (name == "sample_ascii_utf-8.cfg" || name == "sample_sub_char.cfg") {
      extra = " --dat " + entry.path().parent_path().string() + "/sample_ascii.dat";
    }
    if (name == "Comtrade1.cfg")
      extra = " --map 'va=HV Bus VR,vb=HV Bus VS,vc=HV Bus VT,ia=HV IR,ib=HV IS,ic=HV IT' --un 127000";
    if (name == "sample_float32.cff") extra = " --map va=1 --nominal-hz 50";
    const ExecResult r = Exec("replay '" + path + "' --wiring 3p4w --json --no-progress" + extra);
    EXPECT_NE(r.out.find("\"type\":\"summary\""), std::string::npos) << path;
    // Either windows, or (the other format samples hold 5 to 40 samples) the
    // error that says why there are none: never a silent empty success.
    const auto summary = nlohmann::json::parse(r.stdout_.substr(r.stdout_.rfind("{\"type\":\"summary\"")));
    if (summary["windows"].get<long>() > 0) {
      EXPECT_EQ(r.exit_code, 0) << path << "\n" << r.out.substr(0, 600);
      ++with_windows;
    } else {
      EXPECT_EQ(r.exit_code, 1) << path;
      const long samples = std::lround(summary["duration_s"].get<double>() * summary["rate_hz"].get<double>());
      EXPECT_NE(r.err.find(path + ": " + std::to_string(samples) + " samples"), std::string::npos) << r.err;
      EXPECT_NE(r.err.find("fewer than one complete window"), std::string::npos) << r.err;
    }
    ++replayed;
  }
  EXPECT_EQ(replayed, 10);     // 8 format samples (6 .cfg, 2 .cff) and the two real records
  EXPECT_EQ(with_windows, 3);  // the two real records and sample_float32.cff (3 s)
}

// Several recordings replay in parallel: a summary per file, the aggregate
// throughput on stderr, per-file output in --out-dir, failure if any fails.
TEST(MeterSimCli, SeveralRecordingsInParallel) {
  const std::string dir = Temp("many");
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  for (int k = 0; k < 3; ++k) {
    ASSERT_EQ(Exec("generate " + dir + "/r" + std::to_string(k) + ".csv --seconds 1 --phi " + std::to_string(10 * k))
                  .exit_code,
              0);
  }
  const std::string out = Temp("many-out");
  ExecResult r = Exec("replay " + dir + " --rate 8000 --wiring 3p4w --json --out-dir " + out);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  int files = 0;
  std::istringstream lines(r.stdout_);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind("{", 0) != 0) continue;
    const auto j = nlohmann::json::parse(line);
    if (j["type"] == "file") {
      ++files;
      EXPECT_EQ(j["status"], 0);
      EXPECT_EQ(j["windows"], 5);
    }
  }
  EXPECT_EQ(files, 3);
  EXPECT_NE(r.out.find("replayed 3 recordings (0 failed)"), std::string::npos) << r.out;
  EXPECT_TRUE(std::ifstream(out + "/r1.csv.jsonl").good());
  // One bad file among good ones: its error is reported, the run fails.
  std::ofstream(dir + "/bad.csv") << "va,ia\n1,x\n";
  r = Exec("replay " + dir + " --rate 8000 --wiring 1p2w");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("bad.csv:2:2"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("(1 failed)"), std::string::npos) << r.out;
}

TEST(MeterSimCli, BadFilesGiveAClearMessageAndNonZeroExit) {
  const std::string ragged = Temp("cli_ragged.csv");
  std::ofstream(ragged) << "va,vb,vc,ia,ib,ic\n1,2,3,4,5,6\n1,2,3,4,5\n";
  ExecResult r = Exec("replay " + ragged + " --rate 8000 --wiring 3p4w --json");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find(ragged + ":3: ragged row"), std::string::npos) << r.out;

  const std::string text = Temp("cli_text.csv");
  std::ofstream(text) << "va,vb,vc,ia,ib,ic\n1,2,3,4,five,6\n";
  r = Exec("replay " + text + " --rate 8000 --wiring 3p4w");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find(text + ":2:5: column 'ib': not a number: 'five'"), std::string::npos) << r.out;

  const std::string missing = Temp("cli_missing.csv");
  std::ofstream(missing) << "va,vb,ia,ib\n1,2,3,4\n";
  r = Exec("replay " + missing + " --rate 8000 --wiring 3p4w");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("missing column 'vc'"), std::string::npos) << r.out;

  r = Exec("replay " + missing + " --rate 8000 --wiring 4p5w");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.out.find("--wiring"), std::string::npos) << r.out;

  r = Exec("replay " + missing + " --wiring 2p3w");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find("--rate is required"), std::string::npos) << r.out;

  r = Exec("replay " + missing + " --rate 50 --wiring 2p3w");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find(missing + ": sample rate 50 Hz (--rate) is outside the supported range, 100 to 32000 samples/s"),
            std::string::npos)
      << r.out;

  r = Exec("replay " + Temp("nope.csv") + " --rate 8000 --wiring 3p4w");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("cannot open file"), std::string::npos) << r.out;
}

}  // namespace

namespace {

nlohmann::json SummaryOf(const ExecResult& r) {
  const std::size_t at = r.stdout_.rfind("{\"type\":\"summary\"");
  if (at == std::string::npos) return nlohmann::json::object();
  return nlohmann::json::parse(r.stdout_.substr(at));
}

// A copy of the real generator record with its configuration edited by
// `edit` (the .dat beside it unchanged).
std::string EditedGeneratorRecord(const std::string& name, const std::function<std::string(std::string)>& edit) {
  const std::string dir = Temp(name);
  std::filesystem::create_directories(dir);
  const std::string src = std::string(METER_SHARED_DIR) + "/recordings/generator-6kv-50hz/test1";
  std::filesystem::copy_file(src + ".dat", dir + "/test1.dat", std::filesystem::copy_options::overwrite_existing);
  std::ifstream in(src + ".cfg");
  std::string cfg((std::istreambuf_iterator<char>(in)), {});
  cfg.erase(std::remove(cfg.begin(), cfg.end(), '\r'), cfg.end());  // CR LF in the original
  std::ofstream(dir + "/test1.cfg") << edit(cfg);
  return dir + "/test1.cfg";
}

std::string Replace(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

// Any rate in range, exactly as given; out of range or not positive, a
// message about the value.
TEST(MeterSimInputs, AnySampleRateExactlyAsGiven) {
  const std::string csv = Temp("rate_5759_9.csv");
  ASSERT_EQ(Exec("generate " + csv + " --seconds 1.5 --rate 5759.9 --f 50.2").exit_code, 0);
  ExecResult r = Exec("replay " + csv + " --rate 5759.9 --wiring 3p4w --json");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(SummaryOf(r)["rate_hz"].get<double>(), 5759.9);
  EXPECT_GE(SummaryOf(r)["windows"].get<long>(), 5);
  std::istringstream lines(r.stdout_);
  std::string line;
  int checked = 0;
  while (std::getline(lines, line)) {
    const auto j = nlohmann::json::parse(line);
    if (j["type"] != "window" || j["flags"].size() > 0) continue;
    EXPECT_NEAR(j["f_hz"].get<double>(), 50.2, 1e-3);
    ++checked;
  }
  EXPECT_GE(checked, 4);
  r = Exec("replay " + csv + " --rate 5760.001 --wiring 3p4w --json");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(SummaryOf(r)["rate_hz"].get<double>(), 5760.001);
  for (const std::string bad : {"0", "-5760", "nan"}) {
    r = Exec("replay " + csv + " --rate " + bad + " --wiring 3p4w");
    EXPECT_EQ(r.exit_code, 2) << bad;
    EXPECT_NE(r.err.find("a sample rate is a positive number of samples per second"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("--rate is required"), std::string::npos) << r.err;
  }
  r = Exec("replay " + csv + " --rate 32000.5 --wiring 3p4w");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(
      r.err.find(csv + ": sample rate 32000.5 Hz (--rate) is outside the supported range, 100 to 32000 samples/s"),
      std::string::npos)
      << r.err;
}

// An empty recording, a header-only CSV and one shorter than a window fail
// with the file and the sample count, not with zero windows and status 0.
TEST(MeterSimInputs, TooLittleDataIsAnError) {
  const std::string empty = Temp("empty.csv"), header = Temp("header_only.csv"), shorter = Temp("short.csv");
  std::ofstream(empty) << "";
  std::ofstream(header) << "va,vb,vc,ia,ib,ic\n";
  {
    std::ofstream out(shorter);
    out << "va,vb,vc,ia,ib,ic\n";
    for (int k = 0; k < 1000; ++k) out << "1,2,3,4,5,6\n";
  }
  ExecResult r = Exec("replay " + empty + " --rate 8000 --wiring 3p4w");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find(empty + ": empty file (0 samples)"), std::string::npos) << r.err;
  r = Exec("replay " + header + " --rate 8000 --wiring 3p4w --json");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find(header + ": 0 samples: an empty recording"), std::string::npos) << r.err;
  r = Exec("replay " + shorter + " --rate 8000 --wiring 3p4w --json");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find(shorter + ": 1000 samples (0.125 s at 8000 Hz): fewer than one complete window"),
            std::string::npos)
      << r.err;
}

// --map: keys are checked before anything is read; a CSV maps columns by
// name or number; without --map the channels chosen are said.
TEST(MeterSimInputs, MapIsCheckedAndReported) {
  const std::string csv = Temp("map_named.csv");
  {
    std::ofstream out(csv);
    out << "time,U1,U2,U3,I1,I2,I3\n";
    for (int k = 0; k < 4000; ++k) {
      const double wt = 2 * 3.14159265358979 * 50.0 * k / 8000.0;
      out << k << "," << 325 * std::cos(wt) << "," << 325 * std::cos(wt - 2.0944) << "," << 325 * std::cos(wt + 2.0944)
          << "," << 7 * std::cos(wt) << "," << 7 * std::cos(wt - 2.0944) << "," << 7 * std::cos(wt + 2.0944) << "\n";
    }
  }
  ExecResult r = Exec("replay " + csv + " --rate 8000 --wiring 3p4w --json --map va=U1,vb=u2,vc=4,ia=I1,ib=I2,ic=7");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const auto summary = SummaryOf(r);
  EXPECT_EQ(summary["channels"]["va"], "u1");
  EXPECT_EQ(summary["channels"]["vc"], "u3");
  EXPECT_EQ(summary["channels"]["ic"], "i3");
  std::istringstream lines(r.stdout_);
  std::string line;
  std::getline(lines, line);
  std::getline(lines, line);
  EXPECT_NEAR(nlohmann::json::parse(line)["phases"][2]["v_rms"].get<double>(), 325 / std::sqrt(2.0), 0.01);
  r = Exec("replay " + csv + " --rate 8000 --wiring 3p4w --map va=U1,va=U2");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--map: input 'va' is mapped twice"), std::string::npos) << r.err;
  r = Exec("replay " + csv + " --rate 8000 --wiring 3p4w --map vq=U1");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--map: unknown input 'vq'"), std::string::npos) << r.err;
  r = Exec("replay " + csv + " --rate 8000 --wiring 3p4w --map va=U9");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--map: va=U9: no column named or numbered 'U9'"), std::string::npos) << r.err;
  // Without --map the file's own column names are used, and said.
  const std::string plain = Temp("map_plain.csv");
  ASSERT_EQ(Exec("generate " + plain + " --seconds 0.5").exit_code, 0);
  r = Exec("replay " + plain + " --rate 8000 --wiring 3p4w --json");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.err.find(plain + ": channels: va=va, vb=vb, vc=vc, ia=ia, ib=ib, ic=ic\n"), std::string::npos) << r.err;
}

// COMTRADE: the rate from 16-bit-wrapping time stamps, overrides that
// contradict the file, a channel of the wrong kind, an end sample beyond
// the data, a wrong nominal frequency, and the channel map in the summary.
TEST(MeterSimInputs, ComtradeStatementsAndOverrides) {
  METER_NEED_SHARED_RECORDINGS();
  // The real record with nrates 0: its stamps (unit 1 us) wrap at 2^16
  // every 378 samples; the first interval alone says 5747.13 Hz.
  const std::string stamped = EditedGeneratorRecord(
      "gen_stamps", [](std::string cfg) { return Replace(cfg, "50\n1\n5760,24768\n", "50\n0\n0,24768\n"); });
  ExecResult r = Exec("replay " + stamped + " --wiring 3p4w --json --un 3464 --in 2500");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(SummaryOf(r)["rate_hz"].get<double>(), 5760.0);
  EXPECT_EQ(SummaryOf(r)["duration_s"].get<double>(), 4.3);
  EXPECT_EQ(SummaryOf(r)["channels"]["va"], "VA_G1");
  EXPECT_EQ(SummaryOf(r)["channels"]["ic"], "IC_G1");
  EXPECT_NE(r.err.find("channels: va=VA_G1 [kV], vb=VB_G1 [kV], vc=VC_G1 [kV], ia=IA_G1 [A]"), std::string::npos)
      << r.err;

  const std::string rec = std::string(METER_SHARED_DIR) + "/recordings/generator-6kv-50hz/test1.cfg";
  r = Exec("replay " + rec + " --wiring 3p4w --json --un 3464 --in 2500 --rate 5000 --nominal-hz 60");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.err.find("warning: --rate 5000 Hz overrides the recording's rate (it states 5760 Hz)"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("warning: --nominal-hz 60 Hz overrides the recording's line frequency (50 Hz)"),
            std::string::npos)
      << r.err;
  // 50 Hz data at the wrong rate and nominal: about 43 Hz against 60.
  EXPECT_NE(r.err.find("windows measured a fundamental more than 10 % from the nominal 60 Hz"), std::string::npos)
      << r.err;
  EXPECT_NE(r.stdout_.find("\"nominal_frequency_mismatch\""), std::string::npos);

  r = Exec("replay " + rec + " --wiring 3p4w --json --un 3464 --in 2500 --nominal-hz 60");
  EXPECT_NE(r.err.find("more than 10 % from the nominal 60 Hz"), std::string::npos) << r.err;
  r = Exec("replay " + rec + " --wiring 3p4w --json --un 3464 --in 2500");
  EXPECT_EQ(r.err.find("warning"), std::string::npos) << r.err;

  r = Exec("replay " + rec + " --wiring 1p2w --json --un 3464 --in 2500 --map va=IA_G1,ia=VA_G1");
  EXPECT_NE(r.err.find("warning: va (a voltage) is fed channel 1 'IA_G1' in A"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("warning: ia (a current) is fed channel 4 'VA_G1' in kV"), std::string::npos) << r.err;

  const std::string long_end =
      EditedGeneratorRecord("gen_end", [](std::string cfg) { return Replace(cfg, "5760,24768\n", "5760,30000\n"); });
  r = Exec("replay " + long_end + " --wiring 3p4w --json --un 3464 --in 2500");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.err.find("warning: the configuration's end sample is 30000 but the data holds 24768 records"),
            std::string::npos)
      << r.err;

  const std::string too_fast =
      EditedGeneratorRecord("gen_fast", [](std::string cfg) { return Replace(cfg, "5760,24768\n", "64000,24768\n"); });
  r = Exec("replay " + too_fast + " --wiring 3p4w --json");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find(too_fast + ": sample rate 64000 Hz is outside the supported range, 100 to 32000 samples/s"),
            std::string::npos)
      << r.err;
}

}  // namespace
