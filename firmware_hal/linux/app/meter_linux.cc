// meter-linux: the metering core on an embedded-Linux board. Samples come
// from an IIO buffer device (/dev/iio:deviceN with its scan elements), a
// file or a pipe of IIO scans; they pass through the DMA double buffer and
// the metering loop like on the bare-metal target. Results are JSON lines
// (the same as `meter-sim replay --json`); the registers persist in a file
// store; the pulse output, inputs and power-fail signal are GPIO lines.
#include <CLI/CLI.hpp>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>

#include <cmath>
#include <cstdio>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>
#include <type_traits>

#include "meter/hal/linux/file_store.h"
#include "meter/hal/linux/gpio.h"
#include "meter/hal/linux/scan_source.h"
#include "meter/host_sim/result_sinks.h"
#include "meter/metering/firmware_meter.h"
#include "meter/metering/metering_loop.h"
#include "meter/metering/pulse_generator.h"

namespace {

namespace board = meter::hal::linux_board;

// SIGTERM / SIGINT: stop reading, keep the registers, exit 0 (a service
// manager's normal shutdown).
volatile std::sig_atomic_t g_stop = 0;
extern "C" void OnStopSignal(int) { g_stop = 1; }

void InstallStopHandlers() {
  struct sigaction action {};
  action.sa_handler = OnStopSignal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = 0;  // no SA_RESTART: a blocked read returns EINTR
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGINT, &action, nullptr);
}
using Numeric = meter::FirmwareNumeric;
using Input = meter::FirmwareEnergyMeter::Input;
constexpr std::size_t kBlockFrames = 80;
using Loop = meter::MeteringLoop<Numeric, kBlockFrames>;

// The names --wiring takes: metering/config.h's table.
std::vector<std::string> WiringNames() {
  std::vector<std::string> names;
  for (const auto& entry : meter::kWiringNames) names.emplace_back(entry.second);
  return names;
}

struct Args {
  std::string source = "-";
  std::string scan_type = "le:s24/32>>0";
  int elements = 6;
  std::string map;
  std::string iio_sysfs = "/sys/bus/iio/devices";
  std::string iio_dev = "/dev";
  double rate = 0;
  std::string wiring = "3p4w";
  int nominal_hz = 50;
  double un = 230.0, in = 5.0;
  double v_full_scale = 0, i_full_scale = 0;
  int adc_bits = 24;
  int max_order = 31;
  int pulse_wh = 0;
  std::string store;
  double save_period_s = 900.0;
  std::string gpio_chip;
  int pulse_line = -1, power_fail_line = -1;
  std::vector<std::uint32_t> input_lines;
  bool aggregates = false;
};

// "va=in_voltage0,ia=3,...": element names (IIO) or indices.
bool ParseMap(const std::string& text, const std::vector<std::string>& names, board::InputMap& map, std::string& why) {
  static const char* kInputs[6] = {"va", "vb", "vc", "ia", "ib", "ic"};
  if (text.empty()) return true;
  map.fill(-1);
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    const auto eq = item.find('=');
    int input = -1;
    for (int k = 0; k < 6; ++k) {
      if (eq != std::string::npos && item.substr(0, eq) == kInputs[k]) input = k;
    }
    if (input < 0) {
      why = "--map: '" + item + "' is not INPUT=ELEMENT with INPUT one of va vb vc ia ib ic";
      return false;
    }
    const std::string element = item.substr(eq + 1);
    int index = -1;
    for (std::size_t k = 0; k < names.size(); ++k) {
      if (names[k] == element) index = static_cast<int>(k);
    }
    if (index < 0) {
      try {
        index = std::stoi(element);
      } catch (...) {
        index = -1;
      }
    }
    if (index < 0 || index >= static_cast<int>(names.size())) {
      why = "--map: no scan element '" + element + "'";
      return false;
    }
    map[static_cast<std::size_t>(input)] = index;
  }
  return true;
}

// Q31 takes the codes; float takes the values they stand for.
template <typename In>
In ToInput(const meter::AdcFrame& codes, float v_per_code, float i_per_code) {
  if constexpr (std::is_same_v<In, meter::AdcFrame>) {
    (void)v_per_code;
    (void)i_per_code;
    return codes;
  } else {
    meter::SampleFrame f;
    for (std::size_t p = 0; p < 3; ++p) {
      f.v[p] = static_cast<float>(codes.v[p]) * v_per_code;
      f.i[p] = static_cast<float>(codes.i[p]) * i_per_code;
    }
    return f;
  }
}

int Run(const Args& a) {
  std::string why;
  // Sample source.
  std::unique_ptr<board::ScanReader> reader;
  std::vector<std::string> names;
  double rate = a.rate;
  board::InputMap map{0, 1, 2, 3, 4, 5};
  if (a.source.rfind("iio:", 0) == 0) {
    const std::string device = "iio:device" + a.source.substr(4);
    board::IioCapture capture;
    if (board::OpenIioCapture(a.iio_sysfs + "/" + device, a.iio_dev + "/" + device, 4096, capture, why) != meter::Status::kOk) {
      std::cerr << "meter-linux: " << why << "\n";
      return 1;
    }
    names = capture.channels;
    if (!(rate > 0)) rate = capture.sampling_frequency_hz;
    if (!ParseMap(a.map, names, map, why)) {
      std::cerr << "meter-linux: " << why << "\n";
      return 2;
    }
    reader = std::make_unique<board::ScanReader>(capture.fd, capture.layout, map);
  } else {
    board::ScanElementType type;
    if (board::ParseScanElementType(a.scan_type, type, why) != meter::Status::kOk) {
      std::cerr << "meter-linux: " << why << "\n";
      return 2;
    }
    std::vector<board::ScanElementType> types(static_cast<std::size_t>(a.elements), type);
    board::ScanLayout layout;
    if (board::MakeScanLayout(types.data(), a.elements, layout, why) != meter::Status::kOk) {
      std::cerr << "meter-linux: " << why << "\n";
      return 2;
    }
    for (int k = 0; k < a.elements; ++k) names.push_back(std::to_string(k));
    if (!ParseMap(a.map, names, map, why)) {
      std::cerr << "meter-linux: " << why << "\n";
      return 2;
    }
    for (int e : map) {
      if (e >= a.elements) {
        std::cerr << "meter-linux: the scan has " << a.elements << " elements; map them with --map\n";
        return 2;
      }
    }
    int fd = STDIN_FILENO;
    if (a.source != "-") {
      const std::string path = a.source.rfind("file:", 0) == 0 ? a.source.substr(5) : a.source;
      fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0) {
        std::cerr << "meter-linux: " << path << ": " << std::strerror(errno) << "\n";
        return 1;
      }
    }
    reader = std::make_unique<board::ScanReader>(fd, layout, map);
  }
  if (!(rate > 0)) {
    std::cerr << "meter-linux: give the sample rate with --rate\n";
    return 2;
  }

  // The meter. Full scales default to meter-sim's q31 scaling of --un/--in.
  meter::EnergyMeterConfig cfg = meter::ConfigForRatings(*meter::WiringFromName(a.wiring), rate,
                                                         static_cast<float>(a.nominal_hz), a.un, a.in, a.max_order);
  if (a.v_full_scale > 0) cfg.meter.voltage_full_scale = static_cast<float>(a.v_full_scale);
  if (a.i_full_scale > 0) cfg.meter.current_full_scale = static_cast<float>(a.i_full_scale);
  cfg.meter.adc_bits = a.adc_bits;
  cfg.save_period_s = static_cast<float>(a.save_period_s);
  if (a.pulse_wh > 0) cfg.pulse_weight_wh = static_cast<std::uint64_t>(a.pulse_wh);
  const float per_code = 1.0f / static_cast<float>(1 << (a.adc_bits - 1));

  // Slow devices.
  board::FileStore store;
  if (!a.store.empty()) {
    const meter::Status s = store.Open(a.store, 4096, 2, why);
    if (s != meter::Status::kOk) {
      std::cerr << "meter-linux: " << why << "\n";
      return 1;
    }
  }
  board::GpioPulseOutput gpio_pulse;
  board::GpioDigitalInputs gpio_inputs;
  board::GpioPowerFail gpio_power_fail;
  meter::host_sim::CountingPulseOutput counting_pulse;
  meter::hal::PulseOutput* pulse = &counting_pulse;
  meter::hal::DigitalInputs* inputs = nullptr;
  meter::hal::PowerFailSignal* power_fail = nullptr;
  if (!a.gpio_chip.empty()) {
    bool ok = true;
    if (a.pulse_line >= 0) {
      ok = gpio_pulse.Open(a.gpio_chip, static_cast<std::uint32_t>(a.pulse_line), why) == meter::Status::kOk;
      pulse = &gpio_pulse;
    }
    if (ok && a.input_lines.size() == 3) {
      ok = gpio_inputs.Open(a.gpio_chip, {a.input_lines[0], a.input_lines[1], a.input_lines[2]}, why) == meter::Status::kOk;
      inputs = &gpio_inputs;
    }
    if (ok && a.power_fail_line >= 0) {
      ok = gpio_power_fail.Open(a.gpio_chip, static_cast<std::uint32_t>(a.power_fail_line), why) == meter::Status::kOk;
      power_fail = &gpio_power_fail;
    }
    if (!ok) {
      std::cerr << "meter-linux: " << why << "\n";
      return 1;
    }
  }

  auto meter_instance = std::make_unique<meter::FirmwareEnergyMeter>();
  auto dma = std::make_unique<Loop::Buffer>();
  if (const meter::Status s = meter_instance->Init(cfg, pulse, a.store.empty() ? nullptr : &store);
      s != meter::Status::kOk) {
    std::cerr << "meter-linux: meter set-up failed (" << meter::StatusName(s) << ")\n";
    return 2;
  }
  if (!a.store.empty() && !meter_instance->restored() && !store.erased()) {
    // Written before, yet no record is valid: say so; metering goes on from
    // zero (the registers cannot be guessed), and the next save is valid.
    std::cerr << "meter-linux: " << a.store << ": no valid register record (corrupt store): registers start from zero\n";
  }
  Loop loop(*meter_instance, *dma, inputs, power_fail);
  meter::host_sim::JsonLinesSink sink(std::cout, a.aggregates);
  meter::host_sim::ReplaySummary summary;
  summary.rate_hz = cfg.meter.sample_rate_hz;
  summary.nominal_hz = static_cast<double>(cfg.meter.nominal_hz);
  const auto& m = meter_instance->meter();
  const auto report = [&](std::uint8_t events) {
    if (events & meter::kEventWindow) {
      const auto& w = m.LastWindow();
      ++summary.windows;
      sink.OnWindow(w, m.Spectrum(), meter::host_sim::Seconds(w.end_sample, w.end_frac, m.gap_samples(), cfg.meter.sample_rate_hz));
    }
    if (events & meter::kEventAggregate) {
      const auto& ag = m.LastAggregate();
      sink.OnAggregate(ag, meter::host_sim::Seconds(ag.end_sample, ag.end_frac, m.gap_samples(), cfg.meter.sample_rate_hz));
    }
    if (events & meter::kEventFrequency10s) summary.f_hz_10s.push_back(static_cast<double>(m.Frequency10s()));
  };

  std::array<meter::AdcFrame, kBlockFrames> codes;
  int status = 0;
  reader->set_stop_flag(&g_stop);
  InstallStopHandlers();
  for (;;) {
    if (g_stop != 0) break;
    const long n = reader->Read(codes.data(), codes.size());
    if (n < 0) {
      std::cerr << "meter-linux: " << reader->error() << "\n";
      status = 1;
      break;
    }
    summary.frames += n;
    if (static_cast<std::size_t>(n) == kBlockFrames && !reader->stopped()) {
      auto half = dma->half(dma->producer_half());
      for (std::size_t k = 0; k < kBlockFrames; ++k) half[k] = ToInput<Input>(codes[k], cfg.meter.voltage_full_scale * per_code,
                                                                     cfg.meter.current_full_scale * per_code);
      dma->OnBlockReady();
      report(loop.Poll());
      continue;
    }
    // The input ended (or a stop signal came) inside a block: the last
    // frames go straight in.
    for (long k = 0; k < n; ++k) {
      report(meter_instance->ProcessFrame(ToInput<Input>(codes[static_cast<std::size_t>(k)], cfg.meter.voltage_full_scale * per_code,
                                                  cfg.meter.current_full_scale * per_code)));
    }
    break;
  }
  // End of input or a stop signal: the last window's cycles have their P
  // but not yet their Q.
  meter_instance->FlushReactive();
  if (!a.store.empty()) {
    // End of input or a stop signal is a shutdown: keep the registers.
    if (const meter::Status s = meter_instance->OnPowerFail(); s != meter::Status::kOk) {
      std::cerr << "meter-linux: " << a.store << ": save failed (" << meter::StatusName(s) << ")\n";
      status = 1;
    }
  }
  summary.duration_s = static_cast<double>(summary.frames + static_cast<long>(m.gap_samples())) / rate;
  meter::host_sim::FillEnergy(*meter_instance, pulse == &counting_pulse ? &counting_pulse : nullptr, summary);
  sink.OnSummary(summary);
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{std::string("meter-linux: the metering core (") + Numeric::kName +
               ") on an embedded-Linux board; JSON lines on stdout"};
  Args a;
  app.add_option("--source", a.source, "iio:N (IIO buffer device), file:PATH or PATH (IIO scans), - (stdin, a pipe)");
  app.add_option("--scan-type", a.scan_type, "File or pipe: every element's IIO type, e.g. le:s24/32>>0");
  app.add_option("--elements", a.elements, "File or pipe: elements per scan")->check(CLI::Range(1, 16));
  app.add_option("--map", a.map, "Meter inputs from scan elements: va=ELEMENT,...,ic=ELEMENT (name or index; default 0..5)");
  app.add_option("--iio-sysfs", a.iio_sysfs, "Directory of IIO devices");
  app.add_option("--iio-dev", a.iio_dev, "Directory of IIO device nodes");
  app.add_option("--rate", a.rate, "Sample rate, Hz (IIO: from sampling_frequency unless given)")->check(CLI::PositiveNumber);
  app.add_option("--wiring", a.wiring, "Wiring")->check(CLI::IsMember(WiringNames()));
  app.add_option("--nominal-hz", a.nominal_hz, "50 or 60")->check(CLI::IsMember({50, 60}));
  app.add_option("--un", a.un, "Rated L-N voltage, V")->check(CLI::PositiveNumber);
  app.add_option("--in", a.in, "Rated current, A")->check(CLI::PositiveNumber);
  app.add_option("--voltage-full-scale", a.v_full_scale, "Volts at the full-scale code (default 1.5 sqrt(2) Un)");
  app.add_option("--current-full-scale", a.i_full_scale, "Amperes at the full-scale code (default 3.6 In)");
  app.add_option("--adc-bits", a.adc_bits, "Significant bits of the codes (16 or 24)")->check(CLI::IsMember({16, 24}));
  app.add_option("--max-order", a.max_order, "Highest harmonic order in THD")->check(CLI::Range(2, 50));
  app.add_option("--pulse-wh", a.pulse_wh, "Wh per pulse")->check(CLI::IsMember({1, 10, 100, 1000}));
  app.add_option("--store", a.store, "Register store file (loaded at start, saved periodically and at the end)");
  app.add_option("--save-period-s", a.save_period_s, "Periodic save, s (0: only at power fail and at the end)");
  app.add_option("--gpio-chip", a.gpio_chip, "GPIO character device, e.g. /dev/gpiochip0");
  app.add_option("--pulse-line", a.pulse_line, "GPIO line of the pulse output");
  app.add_option("--input-lines", a.input_lines, "GPIO lines of tariff, partial run, partial reset")->expected(3)->delimiter(',');
  app.add_option("--power-fail-line", a.power_fail_line, "GPIO line of the supply comparator (low = power failing)");
  app.add_flag("--aggregates", a.aggregates, "Also one JSON object per 150/180-cycle aggregate");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return Run(a);
}
