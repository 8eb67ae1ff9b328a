// meter-linux: the metering core on an embedded-Linux board, as a service.
// Samples come from an IIO buffer device (/dev/iio:deviceN with its scan
// elements), a file or a pipe of IIO scans; they pass through the DMA double
// buffer and the metering loop like on the bare-metal target. After every
// window the loop publishes a snapshot that the interfaces read (Modbus TCP
// and RTU, P1); results are also JSON lines on stdout (the same as
// `meter-sim replay --json`). The registers persist in the state directory;
// the pulse output, inputs and power-fail signal are GPIO lines.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <CLI/CLI.hpp>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <thread>
#include <type_traits>

#include "meter/hal/linux/file_inputs.h"
#include "meter/hal/linux/file_store.h"
#include "meter/hal/linux/gpio.h"
#include "meter/hal/linux/scan_source.h"
#include "meter/interfaces/command_line.h"
#include "meter/interfaces/https_server.h"
#include "meter/interfaces/load_profile.h"
#include "meter/interfaces/modbus_map.h"
#include "meter/interfaces/modbus_rtu_server.h"
#include "meter/interfaces/modbus_tcp_server.h"
#include "meter/interfaces/mqtt_publisher.h"
#include "meter/interfaces/p1_server.h"
#include "meter/interfaces/result_sinks.h"
#include "meter/interfaces/snapshot.h"
#include "meter/metering/firmware_meter.h"
#include "meter/metering/metering_loop.h"
#include "meter/metering/pulse_generator.h"
#include "service_config.h"

namespace {

namespace board = meter::hal::linux_board;
namespace net = meter::interfaces;

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
  signal(SIGPIPE, SIG_IGN);  // a client that hangs up is an error value, not a signal
}
using Numeric = meter::FirmwareNumeric;
using Input = meter::FirmwareEnergyMeter::Input;
constexpr std::size_t kBlockFrames = 80;
using Loop = meter::MeteringLoop<Numeric, kBlockFrames>;
// Frames the acquisition holds while the loop is busy: the IIO buffer
// length meter-linux asks the kernel for. A paced file source drops frames
// (and counts them lost) only when the loop falls this far behind.
constexpr long kAcquisitionFrames = 4096;

struct Args {
  std::string config;
  std::string source = "-";
  std::string scan_type = "le:s24/32>>0";
  int elements = 6;
  std::string map;
  std::string iio_sysfs = "/sys/bus/iio/devices";
  std::string iio_dev = "/dev";
  double rate = 0;
  double speed = 0;
  bool linger = false;
  std::string wiring = "3p4w";
  int nominal_hz = 50;
  double un = 230.0, in = 5.0;
  double v_full_scale = 0, i_full_scale = 0;
  int adc_bits = 24;
  int max_order = 31;
  int pulse_wh = 0;
  std::string state_dir = "/var/lib/meter-core";
  std::string store;
  double save_period_s = 10.0;
  std::string serial;
  std::string gpio_chip;
  int pulse_line = -1, power_fail_line = -1;
  std::vector<std::uint32_t> input_lines;
  std::string inputs_file;
  bool aggregates = false;
  bool no_json_lines = false;
  std::string modbus_tcp;
  int modbus_max_clients = 32;
  double modbus_idle_timeout_s = 60.0;
  int modbus_unit_id = 1;
  std::string modbus_rtu;
  std::string p1_tcp;
  std::string p1_tty;
  std::string mqtt;
  bool mqtt_allow_plaintext = false;
  std::string mqtt_client_id;
  std::string mqtt_username;
  std::string mqtt_password_file;
  std::string mqtt_ca, mqtt_cert, mqtt_key;
  int mqtt_keepalive_s = 60;
  double mqtt_state_period_s = 10.0;
  double mqtt_record_period_s = 60.0;
  int mqtt_state_qos = 0;
  int mqtt_record_qos = 1;
  std::string mqtt_topic_prefix = "meter-core";
  std::string mqtt_discovery_prefix = "homeassistant";
  bool mqtt_no_discovery = false;
  long mqtt_queue_records = 7 * 1440;
  std::string mqtt_preset = "generic";
  std::string http;
  std::string http_redirect;
  std::string http_cert, http_key, http_token_file;
  bool load_profile = false;
  long load_profile_period_s = 900;
  long load_profile_short_period_s = 60;
  double load_profile_retention_days = 365;
  double load_profile_short_retention_days = 31;
  bool print_modbus_map = false;
  bool print_config_keys = false;
};

void BuildApp(CLI::App& app, Args& a) {
  app.option_defaults()->always_capture_default();
  app.add_option("--config", a.config,
                 "Configuration file (TOML, or JSON if it ends in .json); the command line overrides it");
  app.add_option("--source", a.source, "iio:N (IIO buffer device), file:PATH or PATH (IIO scans), - (stdin, a pipe)");
  app.add_option("--scan-type", a.scan_type, "File or pipe: every element's IIO type, e.g. le:s24/32>>0");
  app.add_option("--elements", a.elements, "File or pipe: elements per scan")->check(CLI::Range(1, 16));
  app.add_option("--map", a.map,
                 "Meter inputs from scan elements: va=ELEMENT,...,ic=ELEMENT (name or index; default 0..5)");
  app.add_option("--iio-sysfs", a.iio_sysfs, "Directory of IIO devices");
  app.add_option("--iio-dev", a.iio_dev, "Directory of IIO device nodes");
  app.add_option("--rate", a.rate, "Sample rate, Hz (IIO: from sampling_frequency unless given)")
      ->check(CLI::PositiveNumber);
  app.add_option("--speed", a.speed, "File sources: 1 = real time, X = X times faster, 0 = as fast as possible")
      ->check(CLI::Range(0.0, 1000.0));
  app.add_flag("--linger", a.linger,
               "After the source ends, keep serving the final values and registers until SIGTERM");
  app.add_option("--wiring", a.wiring, "Wiring")->check(CLI::IsMember(meter::interfaces::WiringNameList()));
  app.add_option("--nominal-hz", a.nominal_hz, "50 or 60")->check(CLI::IsMember({50, 60}));
  app.add_option("--un", a.un, "Rated L-N voltage, V")->check(CLI::PositiveNumber);
  app.add_option("--in", a.in, "Rated current, A")->check(CLI::PositiveNumber);
  app.add_option("--voltage-full-scale", a.v_full_scale, "Volts at the full-scale code (0: 1.5 sqrt(2) Un)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--current-full-scale", a.i_full_scale, "Amperes at the full-scale code (0: 3.6 In)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--adc-bits", a.adc_bits, "Significant bits of the codes (16 or 24)")->check(CLI::IsMember({16, 24}));
  app.add_option("--max-order", a.max_order, "Highest harmonic order in THD")->check(CLI::Range(2, 50));
  app.add_option("--pulse-wh", a.pulse_wh, "Wh per pulse (0: the rating's default)")
      ->check(CLI::IsMember({0, 1, 10, 100, 1000}));
  app.add_option("--state-dir", a.state_dir,
                 "Everything the service keeps: the register store (registers.store), later databases and keys");
  app.add_option("--store", a.store, "Register store file (default: STATE-DIR/registers.store)");
  app.add_option("--save-period-s", a.save_period_s,
                 "Periodic save of the registers, s (0: only at power fail and at the end)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--serial", a.serial, "Serial number (default: from /etc/machine-id)");
  app.add_option("--gpio-chip", a.gpio_chip, "GPIO character device, e.g. /dev/gpiochip0");
  app.add_option("--pulse-line", a.pulse_line, "GPIO line of the pulse output");
  app.add_option("--input-lines", a.input_lines, "GPIO lines of tariff, partial run, partial reset")
      ->expected(3)
      ->delimiter(',');
  app.add_option(
      "--inputs-file", a.inputs_file,
      "Tariff, partial run, partial reset from a file instead: one line of three 0/1 levels, e.g. \"0 1 0\"");
  app.add_option("--power-fail-line", a.power_fail_line, "GPIO line of the supply comparator (low = power failing)");
  app.add_flag("--aggregates", a.aggregates, "Also one JSON object per 150/180-cycle aggregate");
  app.add_flag("--no-json-lines", a.no_json_lines, "No JSON lines on stdout (a service read over its interfaces)");
  app.add_option("--modbus-tcp", a.modbus_tcp, "Modbus TCP server on ADDR:PORT, e.g. 0.0.0.0:502 (off by default)");
  app.add_option("--modbus-max-clients", a.modbus_max_clients, "Modbus TCP connections at once")
      ->check(CLI::Range(16, 1000));
  app.add_option("--modbus-idle-timeout-s", a.modbus_idle_timeout_s,
                 "Close a Modbus TCP connection silent this long, s")
      ->check(CLI::Range(1.0, 86400.0));
  app.add_option("--modbus-unit-id", a.modbus_unit_id, "Unit id of the RTU slave (TCP answers it and 0, 1, 255)")
      ->check(CLI::Range(1, 247));
  app.add_option("--modbus-rtu", a.modbus_rtu,
                 "Modbus RTU slave on DEVICE[:BAUD[:8N1|8E1|8O1|8N2]] (off by default; 9600 8N1)");
  app.add_option("--p1-tcp", a.p1_tcp, "P1 (DSMR 5) telegrams every second to clients of ADDR:PORT (off by default)");
  app.add_option("--p1-tty", a.p1_tty,
                 "P1 (DSMR 5) telegrams every second on this serial line, 115200 8N1 (off by default)");
  app.add_option("--mqtt", a.mqtt, "MQTT broker, mqtts://HOST[:PORT] (TLS, default port 8883; off by default)");
  app.add_flag("--mqtt-allow-plaintext", a.mqtt_allow_plaintext, "Allow mqtt:// (no TLS): only on a trusted network");
  app.add_option("--mqtt-client-id", a.mqtt_client_id, "MQTT client id (default meter-core-SERIAL)");
  app.add_option("--mqtt-username", a.mqtt_username, "MQTT user name");
  app.add_option("--mqtt-password-file", a.mqtt_password_file,
                 "File holding the MQTT password (mode 0600; never on the command line)");
  app.add_option("--mqtt-ca", a.mqtt_ca, "CA certificate(s) that verify the broker (default: the system's)");
  app.add_option("--mqtt-cert", a.mqtt_cert, "Client certificate (X.509 authentication)");
  app.add_option("--mqtt-key", a.mqtt_key, "Client certificate's private key (mode 0600)");
  app.add_option("--mqtt-keepalive-s", a.mqtt_keepalive_s, "MQTT keep-alive, s")->check(CLI::Range(5, 3600));
  app.add_option("--mqtt-state-period-s", a.mqtt_state_period_s,
                 "State and energy messages every this many s, changed or not")
      ->check(CLI::Range(1.0, 86400.0));
  app.add_option("--mqtt-record-period-s", a.mqtt_record_period_s,
                 "Interval records (store-and-forward) every this many s")
      ->check(CLI::Range(1.0, 86400.0));
  app.add_option("--mqtt-state-qos", a.mqtt_state_qos, "QoS of state and energy messages")->check(CLI::Range(0, 1));
  app.add_option("--mqtt-record-qos", a.mqtt_record_qos,
                 "QoS of interval records (1: removed from the queue on PUBACK)")
      ->check(CLI::Range(0, 1));
  app.add_option("--mqtt-topic-prefix", a.mqtt_topic_prefix,
                 "Topics are PREFIX/SERIAL/state, .../energy, .../status, .../records");
  app.add_option("--mqtt-discovery-prefix", a.mqtt_discovery_prefix, "Home Assistant discovery prefix");
  app.add_flag("--mqtt-no-discovery", a.mqtt_no_discovery, "No Home Assistant discovery messages");
  app.add_option("--mqtt-preset", a.mqtt_preset, "Cloud preset: generic, azure-iot-hub or aws-iot-core (docs/MQTT.md)")
      ->check(CLI::IsMember({"generic", "azure-iot-hub", "aws-iot-core"}));
  app.add_option("--mqtt-queue-records", a.mqtt_queue_records,
                 "Interval records the queue keeps (oldest dropped past it)")
      ->check(CLI::Range(10L, 10000000L));
  app.add_option("--http", a.http,
                 "HTTPS API and dashboard on ADDR:PORT, e.g. 0.0.0.0:443 (off by default; implies --load-profile)");
  app.add_option("--http-redirect", a.http_redirect,
                 "Plain HTTP on ADDR:PORT that only redirects to the HTTPS port (off by default)");
  app.add_option("--http-cert", a.http_cert,
                 "HTTPS certificate, PEM (default: STATE-DIR/https-cert.pem, self-signed at first start)");
  app.add_option("--http-key", a.http_key,
                 "HTTPS private key, PEM, mode 0600 (default: STATE-DIR/https-key.pem, made with the certificate)");
  app.add_option("--http-token-file", a.http_token_file,
                 "API token file, mode 0600 (default: STATE-DIR/api-token, random at first start)");
  app.add_flag("--load-profile", a.load_profile,
               "Keep the load profile (STATE-DIR/load-profile.sqlite) without the HTTPS API");
  app.add_option("--load-profile-period-s", a.load_profile_period_s, "Load-profile interval, s")
      ->check(CLI::Range(60L, 86400L));
  app.add_option("--load-profile-short-period-s", a.load_profile_short_period_s, "The finer load-profile interval, s")
      ->check(CLI::Range(1L, 86400L));
  app.add_option("--load-profile-retention-days", a.load_profile_retention_days, "Days of load-profile records kept")
      ->check(CLI::Range(1.0, 36600.0));
  app.add_option("--load-profile-short-retention-days", a.load_profile_short_retention_days,
                 "Days of the finer records kept")
      ->check(CLI::Range(1.0, 36600.0));
  app.add_flag("--print-modbus-map", a.print_modbus_map, "Print docs/MODBUS.md's register tables and exit");
  app.add_flag("--print-config-keys", a.print_config_keys,
               "Print docs/SERVICE.md's table of configuration keys and exit");
}

// The configuration file's entries as command-line arguments, each checked
// on its own first so that an error names its key and line. Keys given on
// the command line are left out: the command line wins.
int ConfigArguments(const std::string& path, const std::vector<std::string>& command_line,
                    std::vector<std::string>& out) {
  std::vector<meter_linux::ConfigEntry> entries;
  std::string why;
  if (!meter_linux::ReadConfigFile(path, entries, why)) {
    std::cerr << "meter-linux: " << why << "\n";
    return 2;
  }
  Args scratch_args;
  CLI::App scratch;
  BuildApp(scratch, scratch_args);
  for (const auto& e : entries) {
    const std::string where = path + ":" + std::to_string(e.line) + ": key '" + e.key + "'";
    const CLI::Option* option = scratch.get_option_no_throw("--" + e.key);
    if (option == nullptr || e.key == "config" || e.key.rfind("print-", 0) == 0) {
      std::cerr << "meter-linux: " << where << " is not a configuration key (see docs/SERVICE.md)\n";
      return 2;
    }
    const bool is_flag = option->get_expected_min() == 0;
    using Kind = meter_linux::ConfigEntry::Kind;
    if (is_flag != (e.kind == Kind::kBoolean)) {
      std::cerr << "meter-linux: " << where << " must be " << (is_flag ? "true or false" : "a value, not true/false")
                << "\n";
      return 2;
    }
    if (e.kind == Kind::kArray && option->get_expected_max() <= 1) {
      std::cerr << "meter-linux: " << where << " takes one value, not an array\n";
      return 2;
    }
    bool on_command_line = false;
    for (const auto& arg : command_line) {
      on_command_line = on_command_line || arg == "--" + e.key || arg.rfind("--" + e.key + "=", 0) == 0;
    }
    if (on_command_line || (is_flag && !e.flag_value)) continue;
    std::vector<std::string> args{"--" + e.key};
    if (!is_flag) {
      if (e.kind == Kind::kArray) {
        std::string joined;
        for (const auto& v : e.values) joined += (joined.empty() ? "" : ",") + v;
        args.push_back(joined);
      } else {
        args.push_back(e.values.front());
      }
    }
    // Checked alone, with the option's own validators.
    Args one_args;
    CLI::App one;
    BuildApp(one, one_args);
    std::vector<std::string> reversed(args.rbegin(), args.rend());
    try {
      one.parse(reversed);
    } catch (const CLI::ParseError& error) {
      std::cerr << "meter-linux: " << where << ": " << error.what() << "\n";
      return 2;
    }
    out.insert(out.end(), args.begin(), args.end());
  }
  return 0;
}

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

// The machine's identity when no --serial is given: /etc/machine-id's first
// 12 hex digits (stable across restarts), else the host name.
std::string DefaultSerial() {
  std::ifstream id("/etc/machine-id");
  std::string text;
  if (id >> text && text.size() >= 12) return text.substr(0, 12);
  char host[64] = {};
  gethostname(host, sizeof host - 1);
  return host[0] != '\0' ? host : "unknown";
}

double WallClock() {
  timespec now{};
  clock_gettime(CLOCK_REALTIME, &now);
  return static_cast<double>(now.tv_sec) + 1e-9 * static_cast<double>(now.tv_nsec);
}

// A secret's file must be this user's alone: mode 0600 (or stricter).
bool ReadSecretFile(const std::string& path, std::string& secret, std::string& why) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) {
    why = path + ": " + std::strerror(errno);
    return false;
  }
  if ((st.st_mode & 077) != 0) {
    why = path + ": readable by others (mode " + std::to_string((st.st_mode >> 6) & 7) +
          std::to_string((st.st_mode >> 3) & 7) + std::to_string(st.st_mode & 7) + "): make it 0600";
    return false;
  }
  std::ifstream file(path);
  std::getline(file, secret);
  if (!file && secret.empty()) {
    why = path + ": empty";
    return false;
  }
  return true;
}

// The state directory, created for this user only when missing.
bool PrepareStateDir(const std::string& dir, std::string& why) {
  struct stat st {};
  if (stat(dir.c_str(), &st) == 0) {
    if (!S_ISDIR(st.st_mode)) {
      why = dir + ": not a directory";
      return false;
    }
    return true;
  }
  std::string path;
  std::stringstream parts(dir);
  std::string part;
  if (!dir.empty() && dir[0] == '/') path = "/";
  while (std::getline(parts, part, '/')) {
    if (part.empty()) continue;
    path += part + "/";
    if (mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) {
      why = "--state-dir " + dir + ": " + std::strerror(errno);
      return false;
    }
  }
  return true;
}

int Run(const Args& a) {
  std::string why;
  // Sample source.
  std::unique_ptr<board::ScanReader> reader;
  std::vector<std::string> names;
  double rate = a.rate;
  board::InputMap map{0, 1, 2, 3, 4, 5};
  const bool live_device = a.source.rfind("iio:", 0) == 0;
  if (live_device) {
    const std::string device = "iio:device" + a.source.substr(4);
    board::IioCapture capture;
    if (board::OpenIioCapture(a.iio_sysfs + "/" + device, a.iio_dev + "/" + device, kAcquisitionFrames, capture, why) !=
        meter::Status::kOk) {
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
  const meter::Wiring wiring = *meter::WiringFromName(a.wiring);
  meter::EnergyMeterConfig cfg =
      meter::ConfigForRatings(wiring, rate, static_cast<float>(a.nominal_hz), a.un, a.in, a.max_order);
  if (a.v_full_scale > 0) cfg.meter.voltage_full_scale = static_cast<float>(a.v_full_scale);
  if (a.i_full_scale > 0) cfg.meter.current_full_scale = static_cast<float>(a.i_full_scale);
  cfg.meter.adc_bits = a.adc_bits;
  cfg.save_period_s = static_cast<float>(a.save_period_s);
  if (a.pulse_wh > 0) cfg.pulse_weight_wh = static_cast<std::uint64_t>(a.pulse_wh);
  const float per_code = 1.0f / static_cast<float>(1 << (a.adc_bits - 1));

  // Interfaces first, so that a client connecting during start-up is told
  // "busy" for the totals (exception 06), never shown zero.
  net::DeviceIdentity identity;
  identity.wiring = wiring;
  identity.v_max_rms = static_cast<double>(cfg.meter.voltage_full_scale * cfg.meter.vt_ratio[0]) / std::sqrt(2.0);
  identity.i_max_rms = static_cast<double>(cfg.meter.current_full_scale * cfg.meter.ct_ratio[0]) / std::sqrt(2.0);
  const std::string serial = a.serial.empty() ? DefaultSerial() : a.serial;
  std::snprintf(identity.serial, sizeof identity.serial, "%s", serial.c_str());
  std::snprintf(identity.version, sizeof identity.version, "%s", METER_VERSION);
  identity.unit_id = static_cast<std::uint8_t>(a.modbus_unit_id);
  auto channel = std::make_unique<net::SnapshotChannel>();
  net::MeterSnapshot snapshot;
  snapshot.wiring = wiring;
  channel->Publish(snapshot);
  net::ModbusTcpServer modbus_tcp(*channel, identity);
  net::ModbusRtuServer modbus_rtu(*channel, identity);
  net::P1Server p1(*channel);
  // ADDR:PORT of a listener, or a message naming its option.
  const auto endpoint = [&why](const char* option, const std::string& text, net::Endpoint& at) {
    if (net::ParseEndpoint(text, at, why)) return true;
    std::cerr << "meter-linux: " << option << " " << why << "\n";
    return false;
  };
  if (!a.modbus_tcp.empty()) {
    net::ModbusTcpOptions options;
    options.max_clients = a.modbus_max_clients;
    options.idle_timeout_s = a.modbus_idle_timeout_s;
    if (!endpoint("--modbus-tcp", a.modbus_tcp, options.at)) return 2;
    if (!modbus_tcp.Start(options, why)) {
      std::cerr << "meter-linux: --modbus-tcp " << why << "\n";
      return 1;
    }
    std::cerr << "meter-linux: Modbus TCP on " << options.at.host << ":" << modbus_tcp.port() << "\n";
  }
  if (!a.modbus_rtu.empty()) {
#if METER_HAVE_MODBUS_RTU
    net::ModbusRtuOptions options;
    if (!net::ParseRtuSpec(a.modbus_rtu, options, why)) {
      std::cerr << "meter-linux: --modbus-rtu " << why << "\n";
      return 2;
    }
    options.unit_id = static_cast<std::uint8_t>(a.modbus_unit_id);
    if (!modbus_rtu.Start(options, why)) {
      std::cerr << "meter-linux: --modbus-rtu " << why << "\n";
      return 1;
    }
    std::cerr << "meter-linux: Modbus RTU on " << options.device << ", unit " << a.modbus_unit_id << "\n";
#else
    std::cerr << "meter-linux: --modbus-rtu: this build has no libmodbus\n";
    return 2;
#endif
  }
  if (!a.p1_tcp.empty() || !a.p1_tty.empty()) {
    net::P1Options options;
    options.serial = serial;
    options.tty = a.p1_tty;
    if (!a.p1_tcp.empty()) {
      net::Endpoint at;
      if (!endpoint("--p1-tcp", a.p1_tcp, at)) return 2;
      options.tcp = at;
    }
    if (!p1.Start(options, why)) {
      std::cerr << "meter-linux: P1: " << why << "\n";
      return 1;
    }
    if (options.tcp) std::cerr << "meter-linux: P1 on " << options.tcp->host << ":" << p1.port() << "\n";
  }

  // Slow devices. Without --store the registers live in the state directory.
  std::string store_path = a.store;
  const bool load_profile_on = a.load_profile || !a.http.empty();
  if (store_path.empty() || !a.mqtt.empty() || load_profile_on) {
    if (!PrepareStateDir(a.state_dir, why)) {
      std::cerr << "meter-linux: " << why << "\n";
      return 1;
    }
  }
  if (store_path.empty()) store_path = a.state_dir + "/registers.store";

  net::MqttPublisher mqtt(*channel);
  if (!a.mqtt.empty()) {
    net::MqttOptions options;
    if (!net::ParseMqttUrl(a.mqtt, options, why)) {
      std::cerr << "meter-linux: --mqtt " << why << "\n";
      return 2;
    }
    if (!options.tls && !a.mqtt_allow_plaintext) {
      std::cerr << "meter-linux: --mqtt " << a.mqtt
                << ": plaintext MQTT is refused; use mqtts:// or give --mqtt-allow-plaintext\n";
      return 2;
    }
    if (!a.mqtt_password_file.empty() && !ReadSecretFile(a.mqtt_password_file, options.password, why)) {
      std::cerr << "meter-linux: --mqtt-password-file " << why << "\n";
      return 2;
    }
    if (!a.mqtt_key.empty()) {
      std::string ignored;
      if (!ReadSecretFile(a.mqtt_key, ignored, why)) {
        std::cerr << "meter-linux: --mqtt-key " << why << "\n";
        return 2;
      }
    }
    if (a.mqtt_cert.empty() != a.mqtt_key.empty()) {
      std::cerr << "meter-linux: --mqtt-cert and --mqtt-key go together\n";
      return 2;
    }
    options.client_id = a.mqtt_client_id;
    options.username = a.mqtt_username;
    options.ca_file = a.mqtt_ca;
    options.cert_file = a.mqtt_cert;
    options.key_file = a.mqtt_key;
    options.keepalive_s = a.mqtt_keepalive_s;
    options.state_period_s = a.mqtt_state_period_s;
    options.record_period_s = a.mqtt_record_period_s;
    options.state_qos = a.mqtt_state_qos;
    options.record_qos = a.mqtt_record_qos;
    options.discovery = !a.mqtt_no_discovery;
    options.queue_path = a.state_dir + "/mqtt-queue.sqlite";
    options.max_records = a.mqtt_queue_records;
    options.naming.serial = serial;
    options.naming.version = METER_VERSION;
    options.naming.wiring = wiring;
    options.naming.prefix = a.mqtt_topic_prefix;
    options.naming.discovery_prefix = a.mqtt_discovery_prefix;
    if (!net::ApplyMqttPreset(a.mqtt_preset, options, why)) {
      std::cerr << "meter-linux: --mqtt-preset " << why << "\n";
      return 2;
    }
    if (!mqtt.Start(options, why)) {
      std::cerr << "meter-linux: MQTT: " << why << "\n";
      return 1;
    }
  }
  // The load profile, and the HTTPS API and dashboard that read it.
  net::LoadProfileLogger profile_logger;
  net::LoadProfileOptions profile_options;
  if (load_profile_on) {
    profile_options.path = a.state_dir + "/load-profile.sqlite";
    profile_options.period_s = a.load_profile_period_s;
    profile_options.short_period_s = a.load_profile_short_period_s;
    profile_options.retention_days = a.load_profile_retention_days;
    profile_options.short_retention_days = a.load_profile_short_retention_days;
    profile_logger.set_lossless(!live_device && !(a.speed > 0));
    if (!profile_logger.Start(profile_options, why)) {
      std::cerr << "meter-linux: load profile: " << why << "\n";
      return 1;
    }
  }
  const double start_unix_s = WallClock();
  net::DeviceInfo device;
  device.serial = serial;
  device.version = METER_VERSION;
  device.numeric = Numeric::kName;
  device.un_v = a.un;
  device.in_a = a.in;
  device.rate_hz = rate;
  device.nominal_hz = a.nominal_hz;
  device.start_unix_s = start_unix_s;
  const auto health = [&]() {
    net::InterfaceHealth h;
    h.modbus_tcp_on = !a.modbus_tcp.empty();
    h.modbus_clients = modbus_tcp.stats().open_connections.load();
    h.modbus_requests = modbus_tcp.stats().requests.load();
    h.modbus_rtu_on = !a.modbus_rtu.empty();
    h.p1_on = !a.p1_tcp.empty() || !a.p1_tty.empty();
    h.mqtt_on = !a.mqtt.empty();
    h.mqtt_connected = mqtt.stats().connected.load();
    h.mqtt_records_queued = mqtt.stats().records_queued.load();
    h.mqtt_records_delivered = mqtt.stats().records_delivered.load();
    h.profile_records_written = profile_logger.stats().written.load();
    h.profile_records_dropped = profile_logger.stats().dropped.load();
    return h;
  };
  net::HttpsServer https(*channel, device, health);
  if (!a.http.empty()) {
    net::HttpsOptions options;
    if (!endpoint("--http", a.http, options.at)) return 2;
    if (!a.http_redirect.empty()) {
      net::Endpoint at;
      if (!endpoint("--http-redirect", a.http_redirect, at)) return 2;
      options.redirect_at = at;
    }
    if (a.http_cert.empty() != a.http_key.empty()) {
      std::cerr << "meter-linux: --http-cert and --http-key go together\n";
      return 2;
    }
    options.cert_file = a.http_cert.empty() ? a.state_dir + "/https-cert.pem" : a.http_cert;
    options.key_file = a.http_key.empty() ? a.state_dir + "/https-key.pem" : a.http_key;
    if (a.http_cert.empty()) {
      bool created = false;
      if (!net::EnsureSelfSignedCertificate(options.cert_file, options.key_file, "meter-core-" + serial,
                                            {options.at.host}, created, why)) {
        std::cerr << "meter-linux: HTTPS certificate: " << why << "\n";
        return 1;
      }
      if (created) std::cerr << "meter-linux: HTTPS: made a self-signed certificate " << options.cert_file << "\n";
    } else {
      std::string ignored;
      if (!ReadSecretFile(options.key_file, ignored, why)) {
        std::cerr << "meter-linux: --http-key " << why << "\n";
        return 2;
      }
    }
    const std::string token_file = a.http_token_file.empty() ? a.state_dir + "/api-token" : a.http_token_file;
    bool created = false;
    if (!net::EnsureApiToken(token_file, options.token, created, why)) {
      std::cerr << "meter-linux: --http-token-file " << why << "\n";
      return 2;
    }
    std::cerr << "meter-linux: HTTPS: the API token is in " << token_file << (created ? " (new)" : "") << "\n";
    options.have_profile = true;
    options.profile = profile_options;
    if (!https.Start(options, why)) {
      std::cerr << "meter-linux: --http " << why << "\n";
      return 1;
    }
    std::cerr << "meter-linux: HTTPS on " << options.at.host << ":" << https.port() << "\n";
    if (options.redirect_at)
      std::cerr << "meter-linux: HTTP redirect on " << options.redirect_at->host << ":" << https.redirect_port()
                << "\n";
  }

  board::FileStore store;
  if (const meter::Status s = store.Open(store_path, 4096, 2, why); s != meter::Status::kOk) {
    std::cerr << "meter-linux: " << why << "\n";
    return 1;
  }
  board::GpioPulseOutput gpio_pulse;
  board::GpioDigitalInputs gpio_inputs;
  board::GpioPowerFail gpio_power_fail;
  board::FileDigitalInputs file_inputs;
  net::CountingPulseOutput counting_pulse;
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
      ok = gpio_inputs.Open(a.gpio_chip, {a.input_lines[0], a.input_lines[1], a.input_lines[2]}, why) ==
           meter::Status::kOk;
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
  if (!a.inputs_file.empty()) {
    if (inputs != nullptr) {
      std::cerr << "meter-linux: --inputs-file and --input-lines are two sources of the same inputs: give one\n";
      return 2;
    }
    if (file_inputs.Open(a.inputs_file, why) != meter::Status::kOk) {
      std::cerr << "meter-linux: --inputs-file " << why << "\n";
      return 1;
    }
    inputs = &file_inputs;
  }

  auto meter_instance = std::make_unique<meter::FirmwareEnergyMeter>();
  auto dma = std::make_unique<Loop::Buffer>();
  if (const meter::Status s = meter_instance->Init(cfg, pulse, &store); s != meter::Status::kOk) {
    std::cerr << "meter-linux: meter set-up failed (" << meter::StatusName(s) << ")\n";
    return 2;
  }
  if (!meter_instance->restored() && !store.erased()) {
    // Written before, yet no record is valid: say so; metering goes on from
    // zero (the registers cannot be guessed), and the next save is valid.
    std::cerr << "meter-linux: " << store_path
              << ": no valid register record (corrupt store): registers start from zero\n";
  }
  Loop loop(*meter_instance, *dma, inputs, power_fail);
  const auto& m = meter_instance->meter();
  std::uint64_t lost_frames = 0;

  // The registers are known from here on: totals may be reported. The
  // saved copy follows each save (periodic, and at the end).
  snapshot.saved_registers = meter_instance->registers().state();
  std::uint64_t saved_at = meter_instance->last_save_tick();
  std::uint32_t save_errors = 0;
  const auto publish = [&](bool has_window) {
    if (meter_instance->last_save_tick() != saved_at || save_errors != loop.stats().save_errors) {
      if (loop.stats().save_errors == save_errors) snapshot.saved_registers = meter_instance->registers().state();
      saved_at = meter_instance->last_save_tick();
      save_errors = loop.stats().save_errors;
    }
    snapshot.publication += 1;
    snapshot.time_unix_s = WallClock();
    snapshot.window_is_new = has_window;
    snapshot.registers_ready = true;
    snapshot.has_window = snapshot.has_window || has_window;
    if (has_window) {
      snapshot.window = m.LastWindow();
      snapshot.spectrum = m.Spectrum();
      snapshot.t_s =
          net::Seconds(snapshot.window.end_sample, snapshot.window.end_frac, m.gap_samples(), cfg.meter.sample_rate_hz);
    }
    snapshot.sample_time_unix_s = live_device ? snapshot.time_unix_s : start_unix_s + snapshot.t_s;
    snapshot.registers = meter_instance->registers().state();
    snapshot.ticks_per_second = meter_instance->registers().ticks_per_second();
    snapshot.lost_frames = lost_frames;
    channel->Publish(snapshot);
    profile_logger.OnSnapshot(snapshot);
  };
  publish(false);

  std::ostringstream discard;
  net::JsonLinesSink sink(a.no_json_lines ? static_cast<std::ostream&>(discard) : std::cout, a.aggregates);
  net::ReplaySummary summary;
  summary.rate_hz = cfg.meter.sample_rate_hz;
  summary.nominal_hz = static_cast<double>(cfg.meter.nominal_hz);
  const auto report = [&](std::uint8_t events) {
    if (events & meter::kEventWindow) {
      const auto& w = m.LastWindow();
      ++summary.windows;
      publish(true);
      sink.OnWindow(w, m.Spectrum(), snapshot.t_s);
      if (a.no_json_lines) discard.str({});
    }
    if (events & meter::kEventAggregate) {
      const auto& ag = m.LastAggregate();
      sink.OnAggregate(ag, net::Seconds(ag.end_sample, ag.end_frac, m.gap_samples(), cfg.meter.sample_rate_hz));
    }
    if (events & meter::kEventFrequency10s) summary.f_hz_10s.push_back(static_cast<double>(m.Frequency10s()));
  };

  // A file source at --speed X is paced as an ADC whose buffer holds
  // kAcquisitionFrames: frame k exists at k / (rate X) after the start, and
  // a frame older than the buffer when the loop reaches it is lost.
  using Clock = std::chrono::steady_clock;
  const bool paced = !live_device && a.speed > 0;
  const double frames_per_second = rate * a.speed;
  const Clock::time_point start = Clock::now();
  long consumed = 0;
  const auto produced_by = [&](Clock::time_point t) {
    return static_cast<long>(std::chrono::duration<double>(t - start).count() * frames_per_second);
  };

  std::array<meter::AdcFrame, kBlockFrames> codes;
  int status = 0;
  reader->set_stop_flag(&g_stop);
  InstallStopHandlers();
  for (;;) {
    if (g_stop != 0) break;
    if (paced) {
      const long behind = produced_by(Clock::now()) - consumed - kAcquisitionFrames;
      if (behind > 0) {
        // Overrun: the oldest frames were overwritten. Skip them in the file
        // and bridge the gap, as the DMA loop does.
        long skipped = 0;
        while (skipped < behind) {
          const long n =
              reader->Read(codes.data(), static_cast<std::size_t>(std::min<long>(behind - skipped, kBlockFrames)));
          if (n <= 0) break;
          skipped += n;
        }
        consumed += skipped;
        lost_frames += static_cast<std::uint64_t>(skipped);
        meter_instance->MarkGap(static_cast<std::uint64_t>(skipped));
      }
      // Wait until the ADC has produced this block.
      const auto ready =
          start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(
                      static_cast<double>(consumed + static_cast<long>(kBlockFrames)) / frames_per_second));
      if (ready > Clock::now()) std::this_thread::sleep_until(ready);
      if (g_stop != 0) break;
    }
    const long n = reader->Read(codes.data(), codes.size());
    if (n < 0) {
      std::cerr << "meter-linux: " << reader->error() << "\n";
      status = 1;
      break;
    }
    summary.frames += n;
    consumed += n;
    if (static_cast<std::size_t>(n) == kBlockFrames && !reader->stopped()) {
      auto half = dma->half(dma->producer_half());
      for (std::size_t k = 0; k < kBlockFrames; ++k)
        half[k] =
            ToInput<Input>(codes[k], cfg.meter.voltage_full_scale * per_code, cfg.meter.current_full_scale * per_code);
      dma->OnBlockReady();
      report(loop.Poll());
      continue;
    }
    // The input ended (or a stop signal came) inside a block: the last
    // frames go straight in.
    for (long k = 0; k < n; ++k) {
      report(meter_instance->ProcessFrame(ToInput<Input>(codes[static_cast<std::size_t>(k)],
                                                         cfg.meter.voltage_full_scale * per_code,
                                                         cfg.meter.current_full_scale * per_code)));
    }
    break;
  }
  // End of input or a stop signal: the last window's cycles have their P
  // but not yet their Q.
  meter_instance->FlushReactive();
  // End of input or a stop signal is a shutdown: keep the registers.
  if (const meter::Status s = meter_instance->OnPowerFail(); s != meter::Status::kOk) {
    std::cerr << "meter-linux: " << store_path << ": save failed (" << meter::StatusName(s) << ")\n";
    status = 1;
  }
  lost_frames += loop.stats().lost_frames;
  if (status == 0) {
    snapshot.saved_registers = meter_instance->registers().state();
    saved_at = meter_instance->last_save_tick();
  }
  publish(false);
  profile_logger.Flush();
  if (a.linger && g_stop == 0 && status == 0) {
    std::cerr << "meter-linux: source ended; serving the final values until SIGTERM\n";
    while (g_stop == 0) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  modbus_tcp.Stop();
  modbus_rtu.Stop();
  p1.Stop();
  mqtt.Stop();
  https.Stop();
  profile_logger.Stop();
  summary.duration_s = static_cast<double>(summary.frames + static_cast<long>(m.gap_samples())) / rate;
  net::FillEnergy(*meter_instance, pulse == &counting_pulse ? &counting_pulse : nullptr, summary);
  if (!a.no_json_lines) sink.OnSummary(summary);
  std::cerr << "meter-linux: " << summary.frames << " frames, " << summary.windows << " windows, lost_frames "
            << lost_frames << "\n";
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{std::string("meter-linux: the metering core (") + Numeric::kName +
               ") on an embedded-Linux board, as a service: Modbus TCP/RTU and P1 interfaces, JSON lines on stdout"};
  Args a;
  BuildApp(app, a);
  app.set_version_flag("--version", METER_VERSION);
  // A configuration file's values go in front of the command line's.
  std::vector<std::string> command_line(argv + 1, argv + argc);
  std::string config_path;
  for (std::size_t k = 0; k < command_line.size(); ++k) {
    if (command_line[k] == "--config" && k + 1 < command_line.size()) config_path = command_line[k + 1];
    if (command_line[k].rfind("--config=", 0) == 0) config_path = command_line[k].substr(9);
  }
  std::vector<std::string> all;
  if (!config_path.empty()) {
    if (const int rc = ConfigArguments(config_path, command_line, all); rc != 0) return rc;
  }
  all.insert(all.end(), command_line.begin(), command_line.end());
  std::vector<std::string> reversed(all.rbegin(), all.rend());  // CLI11 takes them last first
  try {
    app.parse(reversed);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (a.print_modbus_map) {
    std::cout << meter::interfaces::ModbusMapMarkdown();
    return 0;
  }
  if (a.print_config_keys) {
    std::cout << "| key | default | what |\n|---|---|---|\n";
    for (const CLI::Option* option : app.get_options()) {
      const std::string name = option->get_lnames().empty() ? "" : option->get_lnames().front();
      if (name.empty() || name == "help" || name == "version" || name == "config" || name.rfind("print-", 0) == 0)
        continue;
      std::string fallback = option->get_expected_min() == 0 ? "false" : option->get_default_str();
      if (fallback.empty()) fallback = "(none)";
      std::string what = option->get_description();
      for (std::size_t at = what.find('|'); at != std::string::npos; at = what.find('|', at + 2))
        what.replace(at, 1, "\\|");
      std::cout << "| `" << name << "` | `" << fallback << "` | " << what << " |\n";
    }
    return 0;
  }
  return Run(a);
}
