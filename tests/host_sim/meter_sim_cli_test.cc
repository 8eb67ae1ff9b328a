// The meter-sim executable as a user runs it: exit codes, messages, and the
// JSON lines contract.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

namespace {

struct ExecResult {
  int exit_code;
  std::string out;  // stdout and stderr
};

ExecResult Exec(const std::string& args) {
  const std::string cmd = std::string(METER_SIM_PATH) + " " + args + " 2>&1";
  FILE* pipe = popen(cmd.c_str(), "r");
  ExecResult r{-1, {}};
  if (!pipe) return r;
  std::array<char, 4096> buf{};
  std::size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) r.out.append(buf.data(), n);
  const int status = pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

std::string Temp(const std::string& name) { return ::testing::TempDir() + name; }

TEST(MeterSimCli, JsonLinesFollowTheContract) {
  const std::string csv = Temp("cli_good.csv");
  ASSERT_EQ(Exec("generate " + csv + " --seconds 1.5 --f 50 --un 230 --i 5 --phi 60 --v-harmonic 5:0.1 --i-harmonic 5:0.4").exit_code, 0);
  const ExecResult r = Exec("replay " + csv + " --rate 8000 --wiring 3p4w --json");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  std::istringstream lines(r.out);
  std::string line;
  int windows = 0;
  double last_t = 0;
  nlohmann::json summary;
  while (std::getline(lines, line)) {
    const auto j = nlohmann::json::parse(line);
    if (j["type"] == "window") {
      ++windows;
      for (const char* key : {"t_s", "f_hz", "flags", "phases", "v_ll_rms", "thd_v_ll_pct", "i_n_rms",
                              "unbalance_v_pct", "total"}) {
        EXPECT_TRUE(j.contains(key)) << key;
      }
      ASSERT_EQ(j["phases"].size(), 3u);
      for (const char* key : {"v_rms", "i_rms", "p_w", "q_var", "s_va", "pf", "p1_w", "q1_var", "thd_v_pct", "thd_i_pct"}) {
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
  for (const char* key : {"kwh_imp", "kwh_exp", "kvarh_imp", "kvarh_exp", "kvah", "kwh_q", "kvarh_q", "kvah_q", "phases"}) {
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
  const auto j = nlohmann::json::parse(r.out.substr(0, r.out.find('\n')));
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
  std::istringstream fl(f.out), ql(q.out);
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
  const ExecResult r = Exec("accuracy --front-end av5 --numeric q31 --measure-s 1 --no-load-minutes 0.5 --json " + json +
                            " --report " + dir);
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
  const std::string shared = METER_SHARED_DIR;
  if (!std::filesystem::exists(shared + "/recordings")) GTEST_SKIP() << "../shared/recordings is absent (a user's clone): skipped";
  int replayed = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(shared + "/recordings")) {
    const std::string path = entry.path().string();
    const std::string ext = entry.path().extension().string();
    if (ext != ".cfg" && ext != ".cff") continue;
    std::string extra;
    const std::string name = entry.path().filename().string();
    if (name == "sample_ascii_utf-8.cfg" || name == "sample_sub_char.cfg") {
      extra = " --dat " + entry.path().parent_path().string() + "/sample_ascii.dat";
    }
    if (name == "Comtrade1.cfg") extra = " --map 'va=HV Bus VR,vb=HV Bus VS,vc=HV Bus VT,ia=HV IR,ib=HV IS,ic=HV IT' --un 127000";
    if (name == "sample_float32.cff") extra = " --map va=1 --nominal-hz 50";
    const ExecResult r = Exec("replay '" + path + "' --wiring 3p4w --json --no-progress" + extra);
    EXPECT_EQ(r.exit_code, 0) << path << "\n" << r.out.substr(0, 600);
    EXPECT_NE(r.out.find("\"type\":\"summary\""), std::string::npos) << path;
    ++replayed;
  }
  EXPECT_EQ(replayed, 10);  // 8 format samples (6 .cfg, 2 .cff) and the two real records
}

// Several recordings replay in parallel: a summary per file, the aggregate
// throughput on stderr, per-file output in --out-dir, failure if any fails.
TEST(MeterSimCli, SeveralRecordingsInParallel) {
  const std::string dir = Temp("many");
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  for (int k = 0; k < 3; ++k) {
    ASSERT_EQ(Exec("generate " + dir + "/r" + std::to_string(k) + ".csv --seconds 1 --phi " + std::to_string(10 * k)).exit_code, 0);
  }
  const std::string out = Temp("many-out");
  ExecResult r = Exec("replay " + dir + " --rate 8000 --wiring 3p4w --json --out-dir " + out);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  int files = 0;
  std::istringstream lines(r.out);
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
  EXPECT_NE(r.out.find("invalid meter configuration"), std::string::npos) << r.out;

  r = Exec("replay " + Temp("nope.csv") + " --rate 8000 --wiring 3p4w");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("cannot open file"), std::string::npos) << r.out;
}

}  // namespace
