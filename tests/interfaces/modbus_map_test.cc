// The register maps and the request-to-reply function.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <map>
#include <sstream>
#include <vector>

#include "meter/interfaces/modbus_map.h"
#include "meter/interfaces/modbus_reply.h"

namespace meter::interfaces {
namespace {

DeviceIdentity Identity(Wiring wiring = Wiring::k3P4W) {
  DeviceIdentity id;
  id.wiring = wiring;
  id.v_max_rms = 1.5 * 230.0;  // the default full scale, as rms
  id.i_max_rms = 3.6 * 5.0 / std::sqrt(2.0);
  std::snprintf(id.serial, sizeof id.serial, "%s", "0123456789ab");
  std::snprintf(id.version, sizeof id.version, "%s", "0.1.0");
  return id;
}

MeterSnapshot Measured() {
  MeterSnapshot s;
  s.publication = 7;
  s.registers_ready = true;
  s.has_window = true;
  s.time_unix_s = 1.7e9 + 0.25;
  s.ticks_per_second = 8000.0 * 7200.0;
  WindowResult& w = s.window;
  w.sequence = 41;
  w.phase_count = 3;
  w.line_to_line_count = 3;
  w.has_neutral = true;
  w.has_unbalance = true;
  w.f_hz = 50.012f;
  const float v[3] = {230.1f, 229.5f, 231.25f};
  const float i[3] = {100.0f, 4.321f, 0.5f};  // 100 A: 100000 mA = 0x0001_86A0, two distinct words
  for (std::size_t p = 0; p < 3; ++p) {
    w.phases[p].v_rms = v[p];
    w.phases[p].i_rms = i[p];
    w.phases[p].p_w = v[p] * i[p] * 0.9f;
    w.phases[p].q_var = -v[p] * i[p] * 0.3f;
    w.phases[p].s_va = v[p] * i[p];
    w.phases[p].pf = 0.9f;
    w.phases[p].thd_v_pct = 2.5f;
    w.phases[p].thd_i_pct = 12.0f;
    w.v_ll_rms[p] = 398.5f + static_cast<float>(p);
  }
  w.total.p_w = w.phases[0].p_w + w.phases[1].p_w + w.phases[2].p_w;
  w.total.q_var = -1234.5f;
  w.total.s_va = 30000.0f;
  w.total.pf = 0.87f;
  w.unbalance_v_pct = 0.4f;
  w.i_n_rms = 3.0f;
  s.registers.total.kwh_imp.Restore(123456789012ull, 0);  // 123 456.789012 kWh
  s.registers.total.kwh_exp.Restore(5000, 0);
  s.registers.phases[0].kwh_imp.Restore(98765432ull, 0);
  s.registers.import_ticks = static_cast<std::uint64_t>(3600.0 * 2.5 * s.ticks_per_second);
  return s;
}

std::vector<std::uint16_t> Read(std::uint16_t address, std::uint16_t count, const MeterSnapshot& s,
                                const DeviceIdentity& id, ModbusException expected = ModbusException::kNone) {
  std::vector<std::uint16_t> words(count, 0xDEAD);
  EXPECT_EQ(ReadRegisters(address, count, s, id, words.data()), expected) << "at 0x" << std::hex << address;
  return words;
}

std::int32_t CgInt32(const std::vector<std::uint16_t>& w, std::size_t at) {
  return static_cast<std::int32_t>(static_cast<std::uint32_t>(w[at]) | (static_cast<std::uint32_t>(w[at + 1]) << 16));
}

TEST(ModbusMap, EveryAddressOfEachMapBelongsToExactlyOnePoint) {
  for (const MapRange& r : MapRanges()) {
    std::map<std::uint32_t, int> owners;
    for (const MapPoint& p : RegisterMap()) {
      if (p.map != r.map) continue;
      const int words = p.type == WireType::kReserved ? p.index : WordsOf(p.type, p.string_registers);
      ASSERT_GT(words, 0) << p.name;
      for (int k = 0; k < words; ++k) ++owners[p.address + static_cast<std::uint32_t>(k)];
    }
    for (std::uint32_t a = r.first; a <= r.last; ++a) EXPECT_EQ(owners[a], 1) << r.title << " address " << a;
    EXPECT_EQ(owners.size(), static_cast<std::size_t>(r.last - r.first + 1)) << r.title;
  }
}

TEST(ModbusMap, CarloGavazziBlockValuesWordOrderAndScales) {
  const MeterSnapshot s = Measured();
  const auto w = Read(0x0000, 0x66, s, Identity());  // the whole block in one read
  EXPECT_EQ(CgInt32(w, 0x00), 2301);                 // V x10
  EXPECT_EQ(CgInt32(w, 0x04), 2313);                 // 231.25 rounds half away from zero
  // Low word first: 100 A = 100000 mA = 0x000186A0.
  EXPECT_EQ(w[0x0C], 0x86A0);
  EXPECT_EQ(w[0x0D], 0x0001);
  EXPECT_EQ(CgInt32(w, 0x0E), 4321);
  EXPECT_EQ(CgInt32(w, 0x28), std::lround(s.window.total.p_w * 10.0));
  EXPECT_EQ(CgInt32(w, 0x2C), -12345);
  EXPECT_EQ(static_cast<std::int16_t>(w[0x2E]), 900);
  EXPECT_EQ(static_cast<std::int16_t>(w[0x31]), 870);
  EXPECT_EQ(static_cast<std::int16_t>(w[0x32]), 0);    // L1-L2-L3
  EXPECT_EQ(static_cast<std::int16_t>(w[0x33]), 500);  // Hz x10
  EXPECT_EQ(CgInt32(w, 0x34), 1234567);                // kWh x10, truncated
  EXPECT_EQ(CgInt32(w, 0x40), 987);                    // 98.765432 kWh
  EXPECT_EQ(CgInt32(w, 0x4E), 0);                      // 0.005 kWh is not yet 0.1 kWh
  EXPECT_EQ(CgInt32(w, 0x5A), 250);                    // 2.5 h x100
  EXPECT_EQ(w[0x000B], 0);                             // never a model code
  EXPECT_EQ(w[0x38], 0);                               // reserved reads 0
}

TEST(ModbusMap, UndefinedQuantitiesReadZeroAndOverflowSaturates) {
  MeterSnapshot s = Measured();
  s.window.phase_count = 1;
  s.window.line_to_line_count = 0;
  s.window.phases[0].pf = std::nanf("");
  s.window.phases[0].i_rms = 3e6f;  // 3 MA: x1000 overflows an INT32
  const auto w = Read(0x0000, 0x34, s, Identity(Wiring::k1P2W));
  EXPECT_EQ(CgInt32(w, 0x02), 0);  // V L2-N
  EXPECT_EQ(CgInt32(w, 0x06), 0);  // V L1-L2
  EXPECT_EQ(w[0x2E], 0);           // PF NaN
  EXPECT_EQ(static_cast<std::uint32_t>(CgInt32(w, 0x0C)), 0x7FFFFFFFu);
}

TEST(ModbusMap, ReverseRotationReadsMinusOne) {
  MeterSnapshot s = Measured();
  s.window.unbalance_v_pct = 1e4f;  // negative sequence dominates: L1-L3-L2
  EXPECT_EQ(static_cast<std::int16_t>(Read(0x32, 1, s, Identity())[0]), -1);
}

TEST(ModbusMap, HighResolutionBlock) {
  const MeterSnapshot s = Measured();
  const auto w = Read(0x1000, 0x70, s, Identity());
  const auto u32 = [&](std::size_t at) { return (static_cast<std::uint32_t>(w[at]) << 16) | w[at + 1]; };
  const auto u64 = [&](std::size_t at) { return (static_cast<std::uint64_t>(u32(at)) << 32) | u32(at + 2); };
  EXPECT_EQ(u32(0x00), 41u);
  EXPECT_EQ(u64(0x02), 1700000000250ull);
  EXPECT_EQ(static_cast<std::int32_t>(u32(0x0A)), 500120);  // 50.0120 Hz
  EXPECT_EQ(static_cast<std::int32_t>(u32(0x0C)), 230100);  // mV
  EXPECT_EQ(static_cast<std::int32_t>(u32(0x1A)), 43210);   // 0.1 mA
  EXPECT_EQ(u32(0x66), 3u);                                 // window valid, registers restored
  EXPECT_EQ(u64(0x6C), 123456789012ull);                    // mWh, full resolution
}

TEST(ModbusMap, NoEnergyBeforeTheRegistersAreRestored) {
  MeterSnapshot s = Measured();
  s.registers_ready = false;
  Read(0x0000, 0x34, s, Identity());                                // values only: fine
  Read(0x0000, 0x36, s, Identity(), ModbusException::kServerBusy);  // reaches kWh(+)
  Read(0x1000 + 0x6C, 4, s, Identity(), ModbusException::kServerBusy);
  Read(40070 + 2 + 44, 2, s, Identity(), ModbusException::kServerBusy);  // TotWhImp
  s = Measured();
  s.has_window = false;
  Read(0x0000, 2, s, Identity(), ModbusException::kServerBusy);
  Read(0x34, 2, s, Identity());  // the registers are known before the first window
}

TEST(ModbusMap, AddressesOutsideTheMapsAreRefused) {
  const MeterSnapshot s = Measured();
  Read(0x0066, 1, s, Identity(), ModbusException::kIllegalDataAddress);
  Read(0x0060, 7, s, Identity(), ModbusException::kIllegalDataAddress);  // runs past 0x65
  Read(0x0FFF, 2, s, Identity(), ModbusException::kIllegalDataAddress);
  Read(50000, 2, s, Identity(), ModbusException::kIllegalDataAddress);
  Read(40179, 1, s, Identity(), ModbusException::kIllegalDataAddress);
}

TEST(ModbusMap, SunSpecChainFor3P4W) {
  const MeterSnapshot s = Measured();
  const DeviceIdentity id = Identity();
  const auto w = Read(40000, 125, s, id);
  EXPECT_EQ(w[0], 0x5375);
  EXPECT_EQ(w[1], 0x6E53);
  EXPECT_EQ(w[2], 1);
  EXPECT_EQ(w[3], 66);
  EXPECT_EQ(w[4], ('m' << 8) | 'e');  // Mn "meter-core"
  EXPECT_EQ(w[70], 203);
  EXPECT_EQ(w[71], 105);
  const auto tail = Read(40125, 54, s, id);
  EXPECT_EQ(tail[40177 - 40125], 0xFFFF);
  EXPECT_EQ(tail[40178 - 40125], 0);
  // W at 40088 with W_SF at 40092; TotWhExp 40108, TotWhImp 40116, TotWh_SF 40124.
  const SunSpecScales sf = ScalesFor(id);
  const auto at = [&](int a) { return w[static_cast<std::size_t>(a - 40000)]; };
  EXPECT_EQ(static_cast<std::int16_t>(at(40092)), sf.w);
  EXPECT_NEAR(static_cast<std::int16_t>(at(40088)) * std::pow(10.0, sf.w), s.window.total.p_w, std::pow(10.0, sf.w));
  const std::uint32_t imp = (static_cast<std::uint32_t>(at(40116)) << 16) | at(40117);
  EXPECT_EQ(static_cast<std::int16_t>(at(40124)), sf.wh);
  EXPECT_EQ(imp, 123456789012ull / 1000 / static_cast<std::uint64_t>(std::pow(10.0, sf.wh)));
  EXPECT_EQ(static_cast<std::int16_t>(at(40087)), -2);  // Hz_SF
  EXPECT_NEAR(at(40086) * 0.01, 50.01, 0.006);
}

TEST(ModbusMap, SunSpecModelFollowsTheWiringAndUnusedPhasesAreNotImplemented) {
  MeterSnapshot s = Measured();
  s.window.phase_count = 1;
  s.window.line_to_line_count = 0;
  const auto w = Read(40070, 20, s, Identity(Wiring::k1P2W));
  EXPECT_EQ(w[0], 201);
  EXPECT_EQ(w[2 + 2], 0x8000);   // AphB
  EXPECT_EQ(w[2 + 10], 0x8000);  // PPVphAB
  EXPECT_EQ(Read(40070, 1, s, Identity(Wiring::k2P3W))[0], 202);
  EXPECT_EQ(Read(40070, 1, s, Identity(Wiring::k3P3W))[0], 204);
}

TEST(ModbusMap, SunSpecEnergyScaleDoesNotRollOverInTenYears) {
  for (const double ratio : {1.0, 40.0, 2000.0}) {
    DeviceIdentity id = Identity();
    id.v_max_rms = 1.5 * 277.0;
    id.i_max_rms = 3.6 * 5.0 * ratio / std::sqrt(2.0);
    const SunSpecScales sf = ScalesFor(id);
    const double wh_per_count = std::pow(10.0, sf.wh);
    const double ten_years_wh = 3.0 * id.v_max_rms * id.i_max_rms * 87660.0;
    EXPECT_LT(ten_years_wh / wh_per_count, 4294967296.0) << "ratio " << ratio;
    // And not coarser than needed.
    if (sf.wh > 0) {
      EXPECT_GE(ten_years_wh / (wh_per_count / 10.0), 4294967296.0);
    }
    // The largest power fits an int16 at W_SF.
    EXPECT_LE(3.0 * id.v_max_rms * id.i_max_rms / std::pow(10.0, sf.w), 32767.0);
  }
}

// --- request to reply ---

std::vector<std::uint8_t> Pdu(const std::vector<std::uint8_t>& request, const MeterSnapshot& s,
                              const DeviceIdentity& id) {
  std::uint8_t reply[kMaxPdu];
  const std::size_t n = ReplyToPdu(request.data(), request.size(), s, id, reply);
  return std::vector<std::uint8_t>(reply, reply + n);
}

TEST(ModbusReply, ReadOnlyEveryWriteIsIllegalFunction) {
  const MeterSnapshot s = Measured();
  for (const std::uint8_t fc : {0x05, 0x06, 0x0F, 0x10, 0x16, 0x17, 0x01, 0x02, 0x2B, 0x00, 0x7F}) {
    const auto r = Pdu({fc, 0x00, 0x00, 0x00, 0x01, 0x02, 0x00, 0x01}, s, Identity());
    ASSERT_EQ(r.size(), 2u);
    EXPECT_EQ(r[0], fc | 0x80);
    EXPECT_EQ(r[1], 0x01) << "function " << int(fc);
  }
}

TEST(ModbusReply, Fc03AndFc04ReadTheSameData) {
  const MeterSnapshot s = Measured();
  auto r3 = Pdu({0x03, 0x00, 0x00, 0x00, 60}, s, Identity());
  auto r4 = Pdu({0x04, 0x00, 0x00, 0x00, 60}, s, Identity());
  ASSERT_EQ(r3.size(), 2u + 120u);
  EXPECT_EQ(r3[1], 120);
  r3[0] = 0x04;
  EXPECT_EQ(r3, r4);
}

TEST(ModbusReply, CountLimitsAndAddressWrap) {
  const MeterSnapshot s = Measured();
  EXPECT_EQ(Pdu({0x03, 0x9C, 0x40, 0x00, 125}, s, Identity()).size(), 2u + 250u);  // 125 registers: fine
  EXPECT_EQ(Pdu({0x03, 0x9C, 0x40, 0x00, 126}, s, Identity())[1], 0x03);
  EXPECT_EQ(Pdu({0x03, 0x00, 0x00, 0x00, 0}, s, Identity())[1], 0x03);
  EXPECT_EQ(Pdu({0x03, 0xFF, 0xFF, 0x00, 2}, s, Identity())[1], 0x02);
  EXPECT_EQ(Pdu({0x03, 0x00, 0x00, 0x00}, s, Identity())[1], 0x03);  // short PDU
}

std::vector<std::uint8_t> Tcp(std::vector<std::uint8_t> frame, const MeterSnapshot& s) {
  std::size_t length = 0;
  EXPECT_EQ(NextTcpFrame(frame.data(), frame.size(), length), TcpFrame::kComplete);
  std::uint8_t reply[kMaxTcpAdu];
  const std::size_t n = ReplyToTcpFrame(frame.data(), length, s, Identity(), reply);
  return std::vector<std::uint8_t>(reply, reply + n);
}

TEST(ModbusReply, TcpUnitIdsAndEcho) {
  const MeterSnapshot s = Measured();
  for (const std::uint8_t unit : {0, 1, 255}) {
    const auto r = Tcp({0x12, 0x34, 0, 0, 0, 6, unit, 0x04, 0x00, 0x33, 0x00, 0x01}, s);
    ASSERT_EQ(r.size(), 7u + 4u);
    EXPECT_EQ(r[0], 0x12);
    EXPECT_EQ(r[1], 0x34);
    EXPECT_EQ(r[5], 5);
    EXPECT_EQ(r[6], unit);
    EXPECT_EQ((r[9] << 8) | r[10], 500);  // Hz x10
  }
  DeviceIdentity id5 = Identity();
  id5.unit_id = 5;
  std::uint8_t reply[kMaxTcpAdu];
  const std::uint8_t to_five[] = {0, 1, 0, 0, 0, 6, 5, 0x03, 0x00, 0x00, 0x00, 0x01};
  ASSERT_EQ(ReplyToTcpFrame(to_five, sizeof to_five, s, id5, reply), 7u + 4u);  // the configured id too
  const auto other = Tcp({0, 1, 0, 0, 0, 6, 7, 0x03, 0x00, 0x00, 0x00, 0x01}, s);
  ASSERT_EQ(other.size(), 9u);
  EXPECT_EQ(other[7], 0x83);
  EXPECT_EQ(other[8], 0x0B);
}

TEST(ModbusReply, TcpFramingByTheMbapLength) {
  std::size_t length = 0;
  const std::uint8_t wrong_protocol[] = {0, 1, 0, 1, 0, 6, 1, 3, 0, 0, 0, 1};
  EXPECT_EQ(NextTcpFrame(wrong_protocol, sizeof wrong_protocol, length), TcpFrame::kInvalid);
  const std::uint8_t too_long[] = {0, 1, 0, 0, 0x01, 0x00, 1, 3};
  EXPECT_EQ(NextTcpFrame(too_long, sizeof too_long, length), TcpFrame::kInvalid);
  const std::uint8_t too_short[] = {0, 1, 0, 0, 0, 1, 1};
  EXPECT_EQ(NextTcpFrame(too_short, sizeof too_short, length), TcpFrame::kInvalid);
  const std::uint8_t half[] = {0, 1, 0, 0, 0, 6, 1, 3, 0};
  EXPECT_EQ(NextTcpFrame(half, sizeof half, length), TcpFrame::kIncomplete);
  // A length beyond the bytes sent so far: wait, never read past the frame.
  const std::uint8_t claims_more[] = {0, 1, 0, 0, 0, 20, 1, 3, 0, 0, 0, 1};
  EXPECT_EQ(NextTcpFrame(claims_more, sizeof claims_more, length), TcpFrame::kIncomplete);
}

// --- one table, one truth: docs/MODBUS.md carries the generated tables ---

TEST(ModbusMap, DocumentationMatchesTheTable) {
  std::ifstream file(METER_SOURCE_DIR "/docs/MODBUS.md");
  ASSERT_TRUE(file) << "docs/MODBUS.md missing";
  std::stringstream text;
  text << file.rdbuf();
  const std::string doc = text.str();
  const std::string begin = "<!-- generated: meter-linux --print-modbus-map -->\n";
  const std::string end = "<!-- end of generated tables -->";
  const auto a = doc.find(begin);
  const auto b = doc.find(end);
  ASSERT_NE(a, std::string::npos);
  ASSERT_NE(b, std::string::npos);
  EXPECT_EQ(doc.substr(a + begin.size(), b - a - begin.size()), ModbusMapMarkdown())
      << "regenerate: meter-linux --print-modbus-map (see docs/MODBUS.md)";
}

}  // namespace
}  // namespace meter::interfaces
