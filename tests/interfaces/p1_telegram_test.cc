// P1 telegrams: the CRC against a published DSMR 5.0 telegram, and the
// shape and values of ours.
#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <sstream>
#include <string>

#include "meter/interfaces/p1_telegram.h"

namespace meter::interfaces {
namespace {

// A real DSMR 5.0 telegram (an Iskra AM550, published as example-v5.txt in
// nlrb/node-dsmr-parser) whose CRC, 3F8B, was computed by the meter. Lines
// end in CR LF on the wire.
constexpr const char* kPublishedTelegram =
    "/ISK5\\2M550T-1011\r\n\r\n"
    "1-3:0.2.8(50)\r\n0-0:1.0.0(170531201444S)\r\n0-0:96.1.1(4530303334303036383234393130313137)\r\n"
    "1-0:1.8.1(000000.626*kWh)\r\n1-0:1.8.2(000002.564*kWh)\r\n1-0:2.8.1(000000.000*kWh)\r\n"
    "1-0:2.8.2(000000.000*kWh)\r\n0-0:96.14.0(0002)\r\n1-0:1.7.0(00.532*kW)\r\n1-0:2.7.0(00.000*kW)\r\n"
    "0-0:96.7.21(00004)\r\n0-0:96.7.9(00002)\r\n1-0:99.97.0()\r\n1-0:32.32.0(00000)\r\n1-0:52.32.0(00000)\r\n"
    "1-0:72.32.0(00000)\r\n1-0:32.36.0(00001)\r\n1-0:52.36.0(00001)\r\n1-0:72.36.0(00001)\r\n0-0:96.13.0()\r\n"
    "1-0:32.7.0(236.8*V)\r\n1-0:52.7.0(236.1*V)\r\n1-0:72.7.0(238.4*V)\r\n1-0:31.7.0(000*A)\r\n"
    "1-0:51.7.0(001*A)\r\n1-0:71.7.0(001*A)\r\n1-0:21.7.0(00.056*kW)\r\n1-0:41.7.0(00.270*kW)\r\n"
    "1-0:61.7.0(00.206*kW)\r\n1-0:22.7.0(00.000*kW)\r\n1-0:42.7.0(00.000*kW)\r\n1-0:62.7.0(00.000*kW)\r\n"
    "0-1:24.1.0(003)\r\n0-1:96.1.0(4730303332353635353039393034313137)\r\n"
    "0-1:24.2.1(170531201008S)(00000.038*m3)\r\n!";

TEST(P1Telegram, CrcOfThePublishedDsmr5Telegram) {
  const std::string t = kPublishedTelegram;
  EXPECT_EQ(Crc16Arc(t.data(), t.size()), 0x3F8B);
  EXPECT_EQ(Crc16Arc("123456789", 9), 0xBB3D);  // CRC-16/ARC's check value
}

MeterSnapshot Measured() {
  MeterSnapshot s;
  s.registers_ready = true;
  s.has_window = true;
  s.registers.kwh_imp_tariff[0].Restore(1234567, 999);  // 1.234567 kWh -> 1.234 (counted, not rounded)
  s.registers.kwh_imp_tariff[1].Restore(98765432100ull, 0);
  s.registers.kwh_exp_tariff[1].Restore(5000, 0);
  s.registers.tariff = 1;
  s.window.phase_count = 3;
  s.window.total.p_w = -1500.0f;
  const float v[3] = {230.04f, 231.06f, 229.95f};
  const float i[3] = {5.4f, 10.5f, 0.2f};
  const float p[3] = {1100.0f, -3000.0f, 400.0f};
  for (std::size_t k = 0; k < 3; ++k) {
    s.window.phases[k].v_rms = v[k];
    s.window.phases[k].i_rms = i[k];
    s.window.phases[k].p_w = p[k];
  }
  return s;
}

std::map<std::string, std::string> Parse(const std::string& t) {
  std::map<std::string, std::string> values;
  std::istringstream in(t);
  std::string line;
  while (std::getline(in, line)) {
    const auto open = line.find('(');
    if (open == std::string::npos) continue;
    values[line.substr(0, open)] = line.substr(open + 1, line.rfind(')') - open - 1);
  }
  return values;
}

TEST(P1Telegram, ShapeValuesAndCrc) {
  const std::string t = P1Telegram(Measured(), "SN42", 1.7e9);
  ASSERT_EQ(t.substr(0, 1), "/");
  EXPECT_NE(t.find("\r\n\r\n1-3:0.2.8(50)\r\n"), std::string::npos);
  const auto bang = t.rfind('!');
  ASSERT_NE(bang, std::string::npos);
  ASSERT_EQ(t.size(), bang + 1 + 4 + 2);
  char crc[5];
  std::snprintf(crc, sizeof crc, "%04X", Crc16Arc(t.data(), bang + 1));
  EXPECT_EQ(t.substr(bang + 1, 4), crc);
  EXPECT_EQ(t.substr(t.size() - 2), "\r\n");
  // Every line ends in CR LF.
  for (std::size_t k = 0; k < t.size(); ++k) {
    if (t[k] == '\n') {
      EXPECT_EQ(t[k - 1], '\r') << "at " << k;
    }
  }
  const auto v = Parse(t);
  EXPECT_EQ(v.at("1-0:1.8.1"), "000001.234*kWh");
  EXPECT_EQ(v.at("1-0:1.8.2"), "098765.432*kWh");  // F9(3,3): six integer digits
  EXPECT_EQ(v.at("1-0:2.8.1"), "000000.000*kWh");
  EXPECT_EQ(v.at("1-0:2.8.2"), "000000.005*kWh");
  EXPECT_EQ(v.at("0-0:96.14.0"), "0002");
  EXPECT_EQ(v.at("1-0:1.7.0"), "00.000*kW");
  EXPECT_EQ(v.at("1-0:2.7.0"), "01.500*kW");
  EXPECT_EQ(v.at("1-0:32.7.0"), "230.0*V");
  EXPECT_EQ(v.at("1-0:52.7.0"), "231.1*V");
  EXPECT_EQ(v.at("1-0:31.7.0"), "005*A");
  EXPECT_EQ(v.at("1-0:51.7.0"), "011*A");  // whole amperes, rounded
  EXPECT_EQ(v.at("1-0:21.7.0"), "01.100*kW");
  EXPECT_EQ(v.at("1-0:41.7.0"), "00.000*kW");
  EXPECT_EQ(v.at("1-0:42.7.0"), "03.000*kW");
  EXPECT_EQ(v.at("0-0:96.1.1"), "534E3432");  // "SN42" in hex
  EXPECT_EQ(v.at("0-0:1.0.0").size(), 13u);
}

TEST(P1Telegram, NoTotalsBeforeTheRegistersAreRestored) {
  MeterSnapshot s = Measured();
  s.registers_ready = false;
  const std::string t = P1Telegram(s, "SN42", 1.7e9);
  EXPECT_EQ(t.find("1-0:1.8.1"), std::string::npos);
  EXPECT_EQ(t.find("1-0:2.8.2"), std::string::npos);
  EXPECT_NE(t.find("1-0:32.7.0"), std::string::npos);
  s.has_window = false;
  EXPECT_EQ(P1Telegram(s, "SN42", 1.7e9).find("1-0:32.7.0"), std::string::npos);
}

}  // namespace
}  // namespace meter::interfaces
