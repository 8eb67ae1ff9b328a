#include "meter/host_sim/replay_file.h"

#include <fmt/format.h>

#include <cctype>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <memory>
#include <type_traits>

#include "meter/host_sim/comtrade_source.h"
#include "meter/host_sim/csv_source.h"
#include "meter/host_sim/wav_source.h"

namespace meter::host_sim {
namespace {

// A rate with every digit it was given: 5760.001 is not 5760.
std::string Hz(double x) { return fmt::format("{} Hz", x); }

// Passes frames through and writes each one's 24-bit ADC codes (the q31
// meter's input) as IIO scans: le:s24/32>>0, elements va vb vc ia ib ic.
class ScanExportingSource final : public meter::host_sim::SampleSource {
 public:
  ScanExportingSource(meter::host_sim::SampleSource& inner, std::ostream& out, float v_full_scale, float i_full_scale)
      : inner_(inner), out_(out), v_fs_(v_full_scale), i_fs_(i_full_scale) {}

 private:
  Read DoNext(meter::SampleFrame& frame) override {
    const Read r = inner_.Next(frame);
    if (r == Read::kError) error_ = inner_.error();
    if (r != Read::kFrame) return r;
    const meter::AdcFrame codes = meter::host_sim::QuantiseToAdc(frame, v_fs_, i_fs_, 24);
    char bytes[24];
    for (std::size_t c = 0; c < 6; ++c) {
      const auto u = static_cast<std::uint32_t>(c < 3 ? codes.v[c] : codes.i[c - 3]);
      for (std::size_t b = 0; b < 4; ++b) bytes[4 * c + b] = static_cast<char>((u >> (8 * b)) & 0xFFu);
    }
    out_.write(bytes, sizeof(bytes));
    return r;
  }
  double DoProgress() const override { return inner_.progress(); }
  std::vector<meter::host_sim::ChannelChoice> DoChannels() const override { return inner_.channels(); }

  meter::host_sim::SampleSource& inner_;
  std::ostream& out_;
  float v_fs_, i_fs_;
};

template <typename Numeric>
int ReplayWith(const ReplayOptions& a, meter::host_sim::SampleSource& source, meter::host_sim::ReplaySink* custom_sink,
               std::ostream& out, std::ostream& err, meter::host_sim::ReplaySummary& summary) {
  const meter::EnergyMeterConfig cfg = ReplayConfig(a, std::is_same_v<Numeric, meter::dsp::FloatNumeric>);
  // One meter per replay (on the heap: host code, and replays run in parallel).
  auto meter_instance = std::make_unique<meter::BasicEnergyMeter<Numeric>>();
  meter::host_sim::CountingPulseOutput pulses;
  if (const meter::Status s = meter_instance->Init(cfg, &pulses, nullptr); s != meter::Status::kOk) {
    err << "meter-sim: " << a.file << ": invalid meter configuration (" << meter::StatusName(s) << "): rate "
        << Hz(a.rate) << ", nominal " << a.nominal_hz << " Hz, max order " << a.max_order << "\n";
    return 2;
  }
  std::unique_ptr<meter::host_sim::ReplaySink> own_sink;
  if (custom_sink == nullptr) {
    if (a.json) {
      own_sink = std::make_unique<meter::host_sim::JsonLinesSink>(out, a.aggregates);
    } else {
      own_sink = std::make_unique<meter::host_sim::TableSink>(out);
    }
  }
  meter::host_sim::ReplaySink* sink = custom_sink != nullptr ? custom_sink : own_sink.get();
  SourceError error;
  if (!meter::host_sim::Replay(source, *meter_instance, *sink, summary, error, a.no_progress ? nullptr : a.progress,
                               &pulses)) {
    err << "meter-sim: " << error.ToString() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace

EnergyMeterConfig ReplayConfig(const ReplayOptions& a, bool float_meter) {
  EnergyMeterConfig cfg =
      ConfigForRatings(*WiringFromName(a.wiring), a.rate, static_cast<float>(a.nominal_hz), a.un, a.in, a.max_order);
  if (float_meter) {
    // Recordings hold primary values, unscaled by any ADC: the float meter
    // clips (and flags) only what no power system carries. (Q31: the
    // ratings' full scales, which the codes are quantised through.)
    cfg.meter.voltage_full_scale = kPhysicalLimitVolts;
    cfg.meter.current_full_scale = kPhysicalLimitAmperes;
  }
  if (a.pulse_wh > 0) cfg.pulse_weight_wh = static_cast<std::uint64_t>(a.pulse_wh);
  return cfg;
}

int ReplayFile(ReplayOptions a, ReplaySink* custom_sink, std::ostream& out, std::ostream& err, ReplaySummary& summary) {
  const meter::Wiring wiring = *meter::WiringFromName(a.wiring);
  const std::string range = fmt::format("{} to {} samples/s", meter::kMinSampleRateHz, meter::kMaxSampleRateHz);
  if (a.rate_given && !(a.rate > 0 && std::isfinite(a.rate))) {
    err << "meter-sim: --rate " << fmt::format("{}", a.rate)
        << ": a sample rate is a positive number of samples per second per channel (supported: " << range << ")\n";
    return 2;
  }
  meter::host_sim::InputMapSpec map_spec;
  if (const std::string problem = meter::host_sim::ParseInputMap(a.map, map_spec); !problem.empty()) {
    err << "meter-sim: --map: " << problem << "\n";
    return 2;
  }
  std::string ext = std::filesystem::path(a.file).extension().string();
  for (auto& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  SourceError error;
  const auto fail_open = [&]() {
    err << "meter-sim: " << error.ToString() << "\n";
    return error.in_option ? 2 : 1;
  };
  std::unique_ptr<meter::host_sim::SampleSource> source;
  if (ext == ".cfg" || ext == ".cff") {
    auto comtrade = meter::host_sim::ComtradeSource::Open(a.file, a.map, error, a.dat);
    if (!comtrade) return fail_open();
    // Rate and nominal frequency from the file unless given; an override
    // that contradicts the file is said.
    const auto& cfg = comtrade->config();
    const std::string stated = comtrade->rate_from_stamps() ? "its time stamps give " : "it states ";
    if (!a.rate_given) {
      a.rate = cfg.sample_rate;
    } else if (a.rate != cfg.sample_rate) {
      err << "meter-sim: " << a.file << ": warning: --rate " << Hz(a.rate) << " overrides the recording's rate ("
          << stated << Hz(cfg.sample_rate) << ")\n";
    }
    if (!a.nominal_given) {
      if (cfg.line_frequency == 50.0 || cfg.line_frequency == 60.0) {
        a.nominal_hz = static_cast<int>(cfg.line_frequency);
      } else {
        err << "meter-sim: " << a.file << ": line frequency " << cfg.line_frequency
            << " Hz is not 50 or 60; assuming 50 (use --nominal-hz)\n";
      }
    } else if (cfg.line_frequency > 0 && cfg.line_frequency != a.nominal_hz) {
      err << "meter-sim: " << a.file << ": warning: --nominal-hz " << a.nominal_hz
          << " Hz overrides the recording's line frequency (" << Hz(cfg.line_frequency) << ")\n";
    }
    if (const long records = comtrade->DataRecords(); cfg.last_sample > records) {
      err << "meter-sim: " << a.file << ": warning: the configuration's end sample is " << cfg.last_sample
          << " but the data holds " << records << " records: replaying " << records << "\n";
    }
    for (const auto& m : comtrade->KindMismatches()) err << "meter-sim: " << a.file << ": warning: " << m << "\n";
    const auto missing = comtrade->unmapped(meter::PhaseCount(wiring));
    if (!missing.empty()) {
      std::string list;
      for (const auto& m : missing) list += (list.empty() ? "" : ",") + m;
      err << "meter-sim: " << a.file << ": no channel for " << list
          << " (fed zeros; map channels with --map va=ID,...; channels:";
      for (const auto& ch : cfg.analog) err << " " << ch.index << "=" << ch.id << "[" << ch.units << "]";
      err << ")\n";
    }
    source = std::move(comtrade);
  } else if (ext == ".wav") {
    auto wav = meter::host_sim::WavSource::Open(a.file, wiring, a.map, a.scale, error);
    if (!wav) return fail_open();
    if (!a.rate_given) {
      a.rate = wav->sample_rate();
    } else if (a.rate != wav->sample_rate()) {
      err << "meter-sim: " << a.file << ": warning: --rate " << Hz(a.rate)
          << " overrides the recording's rate (it states " << Hz(wav->sample_rate()) << ")\n";
    }
    source = std::move(wav);
  } else {
    if (!a.rate_given) {
      err << "meter-sim: " << a.file << ": --rate is required for CSV recordings\n";
      return 2;
    }
    source = meter::host_sim::CsvSource::Open(a.file, wiring, error, a.map);
    if (!source) return fail_open();
  }
  if (!(a.rate >= meter::kMinSampleRateHz && a.rate <= meter::kMaxSampleRateHz)) {
    err << "meter-sim: " << a.file << ": sample rate " << Hz(a.rate) << (a.rate_given ? " (--rate)" : "")
        << " is outside the supported range, " << range << "\n";
    return a.rate_given ? 2 : 1;
  }
  // Say which channel feeds each input when the choice was the reader's.
  if (a.map.empty()) {
    err << "meter-sim: " << a.file << ": channels: " << meter::host_sim::DescribeChannels(source->channels()) << "\n";
  }
  std::ofstream scan_out;
  std::unique_ptr<ScanExportingSource> exporting;
  if (!a.export_scan.empty()) {
    scan_out.open(a.export_scan, std::ios::binary);
    if (!scan_out) {
      err << "meter-sim: " << a.export_scan << ": cannot write\n";
      return 1;
    }
    exporting = std::make_unique<ScanExportingSource>(*source, scan_out, meter::VoltageFullScaleForRating(a.un),
                                                      meter::CurrentFullScaleForRating(a.in));
  }
  meter::host_sim::SampleSource& feed = exporting ? static_cast<meter::host_sim::SampleSource&>(*exporting) : *source;
  const int status = a.numeric == "q31" ? ReplayWith<meter::dsp::Q31Numeric>(a, feed, custom_sink, out, err, summary)
                                        : ReplayWith<meter::dsp::FloatNumeric>(a, feed, custom_sink, out, err, summary);
  if (exporting && !scan_out.flush()) {
    err << "meter-sim: " << a.export_scan << ": write failed\n";
    return 1;
  }
  if (status != 0) return status;
  if (summary.windows == 0) {
    const double window_s = (a.nominal_hz == 50 ? 10.0 : 12.0) / a.nominal_hz;
    err << "meter-sim: " << a.file << ": " << summary.frames << " samples"
        << (summary.frames > 0
                ? fmt::format(" ({:.4g} s at {})", static_cast<double>(summary.frames) / a.rate, Hz(a.rate))
                : "")
        << ": " << (summary.frames == 0 ? "an empty recording" : "fewer than one complete window")
        << fmt::format(
               " (a window is {} cycles of the fundamental, {} s, plus the first zero crossing: at least {} samples)",
               a.nominal_hz == 50 ? 10 : 12, window_s, static_cast<long>(std::ceil(1.1 * window_s * a.rate)))
        << "\n";
    return 1;
  }
  const long mismatched = summary.windows_flagged[6];
  if (mismatched > 0) {
    err << "meter-sim: " << a.file << ": warning: " << mismatched << " of " << summary.windows
        << " windows measured a fundamental more than 10 % from the nominal " << a.nominal_hz << " Hz (last "
        << fmt::format("{:.3f}", summary.last_mismatch_f_hz) << " Hz): check --nominal-hz and the sample rate ("
        << Hz(a.rate) << ")\n";
  }
  return 0;
}

}  // namespace meter::host_sim
