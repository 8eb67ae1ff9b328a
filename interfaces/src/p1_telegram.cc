#include "meter/interfaces/p1_telegram.h"

#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <ctime>

#include "meter/interfaces/modbus_map.h"

namespace meter::interfaces {

std::uint16_t Crc16Arc(const void* data, std::size_t bytes) {
  const auto* p = static_cast<const std::uint8_t*>(data);
  std::uint16_t crc = 0;
  for (std::size_t i = 0; i < bytes; ++i) {
    crc = static_cast<std::uint16_t>(crc ^ p[i]);
    for (int bit = 0; bit < 8; ++bit) crc = static_cast<std::uint16_t>((crc & 1u) ? (crc >> 1) ^ 0xA001u : crc >> 1);
  }
  return crc;
}

namespace {

void Line(std::string& out, const char* format, ...) __attribute__((format(printf, 2, 3)));
void Line(std::string& out, const char* format, ...) {
  char buffer[128];
  va_list args;
  va_start(args, format);
  const int n = std::vsnprintf(buffer, sizeof buffer, format, args);
  va_end(args);
  if (n > 0) out.append(buffer, static_cast<std::size_t>(n < static_cast<int>(sizeof buffer) ? n : sizeof buffer - 1));
  out += "\r\n";
}

// Registers are shown as counted (truncated to the Wh), like a display.
double Kwh(std::uint64_t milli) { return static_cast<double>(milli / 1000u) / 1000.0; }
// Non-finite and negative values have no place in DSMR's unsigned fields.
double NonNegative(float x) { return std::isfinite(x) && x > 0.0f ? static_cast<double>(x) : 0.0; }

}  // namespace

std::string P1Telegram(const MeterSnapshot& s, std::string_view serial, double unix_time_s) {
  std::string t;
  t.reserve(1024);
  t += "/MCR5\\2meter-core\r\n\r\n";
  Line(t, "1-3:0.2.8(50)");
  const std::time_t now = static_cast<std::time_t>(std::floor(unix_time_s));
  std::tm local{};
  localtime_r(&now, &local);
  char stamp[16];
  std::strftime(stamp, sizeof stamp, "%y%m%d%H%M%S", &local);
  Line(t, "0-0:1.0.0(%s%c)", stamp, local.tm_isdst > 0 ? 'S' : 'W');
  // Equipment identifier: the serial, hex-encoded as DSMR writes it.
  std::string hex;
  for (const char c : serial.substr(0, 48)) {
    char two[3];
    std::snprintf(two, sizeof two, "%02X", static_cast<unsigned char>(c));
    hex += two;
  }
  Line(t, "0-0:96.1.1(%s)", hex.c_str());
  if (s.registers_ready) {
    const EnergyState& e = s.registers;
    Line(t, "1-0:1.8.1(%010.3f*kWh)", Kwh(e.kwh_imp_tariff[0].milli()));
    Line(t, "1-0:1.8.2(%010.3f*kWh)", Kwh(e.kwh_imp_tariff[1].milli()));
    Line(t, "1-0:2.8.1(%010.3f*kWh)", Kwh(e.kwh_exp_tariff[0].milli()));
    Line(t, "1-0:2.8.2(%010.3f*kWh)", Kwh(e.kwh_exp_tariff[1].milli()));
    Line(t, "0-0:96.14.0(%04d)", e.tariff + 1);
  }
  if (s.has_window) {
    const WindowResult& w = s.window;
    const double p_kw = std::isfinite(w.total.p_w) ? static_cast<double>(w.total.p_w) / 1000.0 : 0.0;
    Line(t, "1-0:1.7.0(%06.3f*kW)", p_kw > 0 ? p_kw : 0.0);
    Line(t, "1-0:2.7.0(%06.3f*kW)", p_kw < 0 ? -p_kw : 0.0);
    static constexpr int kVoltageCode[3] = {32, 52, 72};
    static constexpr int kCurrentCode[3] = {31, 51, 71};
    static constexpr int kImportCode[3] = {21, 41, 61};
    static constexpr int kExportCode[3] = {22, 42, 62};
    for (int p = 0; p < w.phase_count; ++p) {
      Line(t, "1-0:%d.7.0(%05.1f*V)", kVoltageCode[p], NonNegative(w.phases[static_cast<std::size_t>(p)].v_rms));
    }
    for (int p = 0; p < w.phase_count; ++p) {
      // DSMR gives currents as whole amperes.
      Line(t, "1-0:%d.7.0(%03.0f*A)", kCurrentCode[p],
           std::round(NonNegative(w.phases[static_cast<std::size_t>(p)].i_rms)));
    }
    for (int p = 0; p < w.phase_count; ++p) {
      const float pw = w.phases[static_cast<std::size_t>(p)].p_w;
      Line(t, "1-0:%d.7.0(%06.3f*kW)", kImportCode[p], NonNegative(pw) / 1000.0);
    }
    for (int p = 0; p < w.phase_count; ++p) {
      const float pw = w.phases[static_cast<std::size_t>(p)].p_w;
      Line(t, "1-0:%d.7.0(%06.3f*kW)", kExportCode[p], NonNegative(-pw) / 1000.0);
    }
  }
  t += '!';
  char crc[8];
  std::snprintf(crc, sizeof crc, "%04X\r\n", Crc16Arc(t.data(), t.size()));
  t += crc;
  return t;
}

}  // namespace meter::interfaces
