// meter-sim: the host tool. `replay` runs a recording through the metering
// core; `generate` writes a synthetic recording with known content.
#include <fmt/format.h>
#include <unistd.h>
#include <CLI/CLI.hpp>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>
#include <type_traits>

#include "meter/host_sim/campaign.h"
#include "meter/host_sim/comtrade_source.h"
#include "meter/host_sim/csv_source.h"
#include "meter/host_sim/replay.h"
#include "meter/host_sim/replay_file.h"
#include "meter/host_sim/target_vectors.h"
#include "meter/host_sim/wav_source.h"
#include "meter/interfaces/command_line.h"

namespace {

using meter::host_sim::SourceError;

void ShowProgress(double fraction) {
  std::fprintf(stderr, "\rreplay: %3d%%", static_cast<int>(fraction * 100.0));
  if (fraction >= 1.0) std::fprintf(stderr, "\n");
}

// Several recordings (files, or the recordings in a directory), one per
// core at a time; per-file output to --out-dir, a summary line per file, and
// the aggregate throughput on stderr.
int RunReplayMany(const meter::host_sim::ReplayOptions& base, std::vector<std::string> files,
                  const std::string& out_dir) {
  std::vector<std::string> expanded;
  for (const auto& f : files) {
    if (std::filesystem::is_directory(f)) {
      std::vector<std::string> inside;
      for (const auto& e : std::filesystem::recursive_directory_iterator(f)) {
        std::string ext = e.path().extension().string();
        for (auto& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (ext == ".csv" || ext == ".cfg" || ext == ".cff" || ext == ".wav") inside.push_back(e.path().string());
      }
      std::sort(inside.begin(), inside.end());
      expanded.insert(expanded.end(), inside.begin(), inside.end());
    } else {
      expanded.push_back(f);
    }
  }
  if (!out_dir.empty()) std::filesystem::create_directories(out_dir);
  struct Result {
    int status = 0;
    std::string output, errors;
    meter::host_sim::ReplaySummary summary;
  };
  std::vector<Result> results(expanded.size());
  std::atomic<std::size_t> next{0};
  const unsigned threads =
      std::max(1u, std::min<unsigned>(std::thread::hardware_concurrency(), static_cast<unsigned>(expanded.size())));
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      for (std::size_t i = next++; i < expanded.size(); i = next++) {
        meter::host_sim::ReplayOptions a = base;
        a.file = expanded[i];
        a.no_progress = true;
        std::ostringstream out, err;
        results[i].status = meter::host_sim::ReplayFile(a, nullptr, out, err, results[i].summary);
        results[i].output = out.str();
        results[i].errors = err.str();
      }
    });
  }
  for (auto& t : pool) t.join();
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  double signal = 0;
  int failed = 0;
  for (std::size_t i = 0; i < expanded.size(); ++i) {
    const Result& r = results[i];
    signal += r.summary.duration_s;
    failed += r.status != 0 ? 1 : 0;
    std::cerr << r.errors;
    if (!out_dir.empty()) {
      std::ofstream(out_dir + "/" + std::filesystem::path(expanded[i]).filename().string() +
                    (base.json ? ".jsonl" : ".txt"))
          << r.output;
    }
    if (base.json) {
      nlohmann::ordered_json j{{"type", "file"},
                               {"file", expanded[i]},
                               {"status", r.status},
                               {"duration_s", r.summary.duration_s},
                               {"windows", r.summary.windows},
                               {"kwh_imp", r.summary.kwh_imp}};
      std::cout << j.dump() << "\n";
    } else {
      std::cout << fmt::format("{}: {} ({:.3f} s, {} windows, {:.6f} kWh import)\n", expanded[i],
                               r.status == 0 ? "ok" : "FAILED", r.summary.duration_s, r.summary.windows,
                               r.summary.kwh_imp);
    }
  }
  std::cerr << fmt::format(
      "meter-sim: replayed {} recordings ({} failed): {:.1f} s of signal in {:.2f} s on {} threads, {:.0f}x real "
      "time\n",
      expanded.size(), failed, signal, wall, threads, wall > 0 ? signal / wall : 0.0);
  return failed == 0 ? 0 : 1;
}

struct GenerateArgs {
  std::string file;
  double seconds = 10.0;
  double rate = 8000.0;
  double f_hz = 50.0;
  double un = 230.0;
  double i_rms = 5.0;
  double phi_deg = 0.0;
  std::vector<std::string> v_harmonics, i_harmonics;
  double noise = 0.0;
};

// "order:fraction" pairs, e.g. 5:0.1.
bool ParseHarmonics(const std::vector<std::string>& specs, std::vector<std::pair<int, double>>& out) {
  for (const auto& s : specs) {
    const auto colon = s.find(':');
    if (colon == std::string::npos) return false;
    try {
      out.emplace_back(std::stoi(s.substr(0, colon)), std::stod(s.substr(colon + 1)));
    } catch (...) {
      return false;
    }
  }
  return true;
}

int RunGenerate(const GenerateArgs& a) {
  std::vector<std::pair<int, double>> vh, ih;
  if (!ParseHarmonics(a.v_harmonics, vh) || !ParseHarmonics(a.i_harmonics, ih)) {
    std::cerr << "meter-sim: harmonics are ORDER:FRACTION, e.g. 5:0.1\n";
    return 2;
  }
  std::ofstream out(a.file);
  if (!out) {
    std::cerr << "meter-sim: " << a.file << ": cannot write\n";
    return 1;
  }
  out << "t,va,vb,vc,ia,ib,ic\n";
  const double pi = 3.14159265358979323846;
  unsigned long long state = 88172645463325252ull;  // xorshift: reproducible noise
  const auto noise = [&]() {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return (static_cast<double>(state >> 11) / 9007199254740992.0 - 0.5) * 2.0 * a.noise;
  };
  const long n = static_cast<long>(a.seconds * a.rate);
  for (long k = 0; k < n; ++k) {
    const double t = static_cast<double>(k) / a.rate;
    const double wt = 2.0 * pi * a.f_hz * t;
    double v[3], i[3];
    for (int p = 0; p < 3; ++p) {
      const double shift = -2.0 * pi / 3.0 * p;
      v[p] = std::sqrt(2.0) * a.un * std::cos(wt + shift);
      i[p] = std::sqrt(2.0) * a.i_rms * std::cos(wt + shift - a.phi_deg * pi / 180.0);
      for (auto [h, frac] : vh) v[p] += std::sqrt(2.0) * a.un * frac * std::cos(h * (wt + shift));
      for (auto [h, frac] : ih)
        i[p] += std::sqrt(2.0) * a.i_rms * frac * std::cos(h * (wt + shift) - a.phi_deg * pi / 180.0);
      v[p] += noise() * a.un;
      i[p] += noise() * a.i_rms;
    }
    out << fmt::format("{:.6f},{:.6f},{:.6f},{:.6f},{:.7f},{:.7f},{:.7f}\n", t, v[0], v[1], v[2], i[0], i[1], i[2]);
  }
  return out ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"meter-sim: replay recordings through the metering core, generate test waveforms"};
  app.require_subcommand(1);

  meter::host_sim::ReplayOptions r;
  auto* replay = app.add_subcommand("replay", "Replay a recording (CSV) and report every 10/12-cycle window");
  std::vector<std::string> replay_files;
  std::string out_dir;
  replay
      ->add_option("file", replay_files,
                   "Recordings: CSV with a header naming va,vb,vc,ia,ib,ic (primary V and A), COMTRADE FILE.cfg / "
                   "FILE.cff, WAV; "
                   "several files or a directory replay in parallel")
      ->required();
  replay->add_option("--out-dir", out_dir, "With several recordings: write each one's full output to DIR");
  auto* rate_option = replay->add_option(
      "--rate", r.rate, "Sample rate, Hz, any value from 100 to 32000 (CSV: required; COMTRADE, WAV: from the file)");
  replay->add_option("--dat", r.dat, "COMTRADE data file, when it is not FILE.dat beside FILE.cfg");
  replay->add_option(
      "--map", r.map,
      "Channels for the meter inputs: va=ID,vb=ID,...,ia=ID (COMTRADE: id or 1-based index, vn and in too; "
      "WAV: 1-based channel)");
  replay->add_option("--scale", r.scale, "WAV: primary units at full scale per input, e.g. va=400,ia=50 (default 1)");
  replay->add_option("--wiring", r.wiring, "Wiring")
      ->required()
      ->check(CLI::IsMember(meter::interfaces::WiringNameList()));
  auto* nominal = replay
                      ->add_option("--nominal-hz", r.nominal_hz,
                                   "Nominal frequency: 50 (10-cycle windows) or 60 (12-cycle); COMTRADE: from the file")
                      ->check(CLI::IsMember({50, 60}));
  replay->add_flag("--json", r.json, "JSON lines: one object per window, then a summary object");
  replay->add_flag("--aggregates", r.aggregates, "With --json, also one object per 150/180-cycle aggregate");
  replay->add_option("--numeric", r.numeric, "Numeric variant of the core: float, or q31 (fed 24-bit ADC codes)")
      ->check(CLI::IsMember({"float", "q31"}));
  replay
      ->add_option("--un", r.un,
                   "Rated L-N voltage, primary V (missing-voltage threshold; q31: full scale 1.5 Un peak)")
      ->check(CLI::PositiveNumber);
  replay->add_option("--in", r.in, "Rated current, primary A (q31: full scale 3 x 1.2 In peak)")
      ->check(CLI::PositiveNumber);
  replay->add_option("--max-order", r.max_order, "Highest harmonic order in THD")->check(CLI::Range(2, 50));
  replay->add_option("--pulse-wh", r.pulse_wh, "Wh per pulse (default: the reference meter's weight for --in)")
      ->check(CLI::IsMember({1, 10, 100, 1000}));
  replay->add_flag("--no-progress", r.no_progress, "No progress indicator on stderr");
  replay->add_option("--export-scan", r.export_scan,
                     "Also write the 24-bit ADC codes the q31 meter sees (full scales from --un/--in) as IIO scans "
                     "le:s24/32>>0, elements va vb vc ia ib ic: the input of meter-linux");

  GenerateArgs g;
  auto* generate = app.add_subcommand("generate", "Write a synthetic three-phase CSV recording with known content");
  generate->add_option("file", g.file, "Output CSV")->required();
  generate->add_option("--seconds", g.seconds, "Length, s")->check(CLI::PositiveNumber);
  generate->add_option("--rate", g.rate, "Sample rate, Hz")->check(CLI::Range(1000.0, 100000.0));
  generate->add_option("--f", g.f_hz, "Fundamental frequency, Hz")->check(CLI::Range(1.0, 1000.0));
  generate->add_option("--un", g.un, "L-N voltage, V rms");
  generate->add_option("--i", g.i_rms, "Current, A rms");
  generate->add_option("--phi", g.phi_deg, "Current lag, degrees (60 = PF 0.5 inductive, -36.87 = 0.8 capacitive)");
  generate->add_option("--v-harmonic", g.v_harmonics, "Voltage harmonic ORDER:FRACTION (repeatable)");
  generate->add_option("--i-harmonic", g.i_harmonics, "Current harmonic ORDER:FRACTION (repeatable)");
  generate->add_option("--noise", g.noise, "Uniform noise, fraction of the rated values");

  meter::host_sim::CampaignOptions campaign;
  std::string front_end = "mv5", accuracy_class = "0.5S", campaign_numeric = "float", json_file, report_dir;
  auto* accuracy = app.add_subcommand("accuracy",
                                      "IEC 62053-22 / 62053-23 accuracy campaign on the simulated default meter "
                                      "(3P4W, 230 V, 50 Hz): calibrate, then measure every test point");
  accuracy->add_option("--front-end", front_end, "mv5 (333 mV sensor) or av5 (5 A CT)")
      ->check(CLI::IsMember({"mv5", "av5"}));
  accuracy->add_option("--class", accuracy_class, "Active-energy class to judge against")
      ->check(CLI::IsMember({"0.5S", "0.2S", "0.1S"}));
  accuracy->add_option("--numeric", campaign_numeric, "Numeric variant of the core")
      ->check(CLI::IsMember({"float", "q31"}));
  accuracy->add_option("--json", json_file, "Write the result as JSON to FILE");
  accuracy->add_option("--report", report_dir, "Write report.md, points.csv and PNG plots to DIR");
  accuracy
      ->add_option("--rated-primary", campaign.rated_primary_a,
                   "mv5: sensor rated primary current, A (1..10000; default 100)")
      ->check(CLI::Range(1.0, 10000.0));
  accuracy->add_option("--ct-ratio", campaign.ct_ratio, "av5: CT ratio (1..2000; default 20, a 100/5 CT)")
      ->check(CLI::Range(1.0, 2000.0));
  accuracy->add_option("--measure-s", campaign.measure_s, "Energy measurement time per point, s")
      ->check(CLI::PositiveNumber);
  accuracy->add_option("--no-load-minutes", campaign.no_load_minutes,
                       "No-load test duration (default: the IEC 62053-22 duration for this meter)");

  std::string expect_numeric = "float", expect_out;
  auto* expect = app.add_subcommand(
      "self-test-expect",
      "Write the firmware self-test's expected figures (a C++ header), computed with this host build");
  expect->add_option("--numeric", expect_numeric, "Numeric variant of the core")
      ->check(CLI::IsMember({"float", "q31"}));
  expect->add_option("--out", expect_out, "Header to write")->required();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (replay->parsed()) {
    r.nominal_given = nominal->count() > 0;
    r.rate_given = rate_option->count() > 0;
    if (replay_files.size() > 1 || std::filesystem::is_directory(replay_files[0])) {
      return RunReplayMany(r, replay_files, out_dir);
    }
    r.file = replay_files[0];
    if (isatty(STDERR_FILENO)) r.progress = ShowProgress;
    meter::host_sim::ReplaySummary summary;
    return meter::host_sim::ReplayFile(r, nullptr, std::cout, std::cerr, summary);
  }
  if (expect->parsed()) {
    std::ofstream out(expect_out);
    out << meter::host_sim::SelfTestExpectedHeader(expect_numeric == "q31");
    if (!out) {
      std::cerr << "meter-sim: " << expect_out << ": cannot write\n";
      return 1;
    }
    return 0;
  }
  if (accuracy->parsed()) {
    campaign.front_end = front_end == "av5" ? meter::host_sim::FrontEndKind::kAv5 : meter::host_sim::FrontEndKind::kMv5;
    campaign.accuracy_class = accuracy_class == "0.1S"   ? meter::host_sim::AccuracyClass::k0_1S
                              : accuracy_class == "0.2S" ? meter::host_sim::AccuracyClass::k0_2S
                                                         : meter::host_sim::AccuracyClass::k0_5S;
    campaign.q31 = campaign_numeric == "q31";
    std::printf("accuracy campaign: class %s, front end %s, %s core, 3P4W 230 V 50 Hz\n", accuracy_class.c_str(),
                front_end.c_str(), campaign_numeric.c_str());
    const auto result = meter::host_sim::RunCampaign(campaign, stdout);
    if (!json_file.empty()) {
      std::ofstream out(json_file);
      out << meter::host_sim::CampaignJson(result) << "\n";
      if (!out) {
        std::cerr << "meter-sim: " << json_file << ": cannot write\n";
        return 1;
      }
    }
    if (!report_dir.empty()) {
      const std::string err = meter::host_sim::WriteCampaignReport(result, report_dir);
      if (!err.empty()) {
        std::cerr << "meter-sim: " << err << "\n";
        return 1;
      }
    }
    std::printf("result: class %s %s (0.1S %s, 0.2S %s, 0.5S %s)\n", accuracy_class.c_str(),
                result.pass ? "PASS" : "FAIL", result.pass_class[0] ? "pass" : "fail",
                result.pass_class[1] ? "pass" : "fail", result.pass_class[2] ? "pass" : "fail");
    return result.pass ? 0 : 1;
  }
  return RunGenerate(g);
}
