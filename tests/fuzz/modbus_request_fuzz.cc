// The Modbus request-to-reply path on any bytes: a TCP stream framed by the
// MBAP header, each frame answered over a snapshot whose contents also come
// from the input. Every reply must be well formed: an echo of the request's
// ids, a length that matches, and either the read's data or an exception.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "meter/interfaces/modbus_reply.h"

using namespace meter::interfaces;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  MeterSnapshot snapshot;
  DeviceIdentity id;
  // The first bytes choose the meter's state: readiness, wiring, a few values.
  if (size >= 16) {
    snapshot.registers_ready = (data[0] & 1) != 0;
    snapshot.has_window = (data[0] & 2) != 0;
    id.wiring = static_cast<meter::Wiring>(data[1] % 5);
    snapshot.window.phase_count = data[2] % 4;
    snapshot.window.line_to_line_count = data[3] % 4;
    float f;
    std::memcpy(&f, data + 4, 4);
    for (auto& ph : snapshot.window.phases) ph.v_rms = ph.i_rms = ph.p_w = ph.pf = f;
    std::memcpy(&f, data + 8, 4);
    snapshot.window.f_hz = snapshot.window.total.p_w = f;
    std::uint32_t milli;
    std::memcpy(&milli, data + 12, 4);
    snapshot.registers.total.kwh_imp.Restore(static_cast<std::uint64_t>(milli) << (data[0] >> 2), 0);
    snapshot.ticks_per_second = 57.6e6;
    id.v_max_rms = 1e-3 + data[1];
    id.i_max_rms = 1e-3 + data[2] * 100.0;
    id.unit_id = data[3];
    data += 16;
    size -= 16;
  }
  // Direct PDU replies (the RTU path) on the whole rest.
  std::uint8_t pdu_reply[kMaxPdu];
  if (size <= kMaxPdu) {
    const std::size_t n = ReplyToPdu(data, size, snapshot, id, pdu_reply);
    if (n < 2 || n > kMaxPdu) std::abort();
  }
  // The TCP stream.
  std::size_t at = 0;
  std::uint8_t reply[kMaxTcpAdu];
  while (at < size) {
    std::size_t length = 0;
    const TcpFrame f = NextTcpFrame(data + at, size - at, length);
    if (f != TcpFrame::kComplete) break;
    if (length < 8 || length > kMaxTcpAdu || at + length > size) std::abort();
    const std::size_t n = ReplyToTcpFrame(data + at, length, snapshot, id, reply);
    if (n < 9 || n > kMaxTcpAdu) std::abort();
    if (std::memcmp(reply, data + at, 4) != 0) std::abort();                    // ids echoed
    if (((reply[4] << 8) | reply[5]) != static_cast<int>(n - 6)) std::abort();  // MBAP length right
    const std::uint8_t function = reply[7];
    if (function & 0x80) {
      if (n != 9) std::abort();
    } else if (function != 3 && function != 4 || reply[8] != n - 9) {
      std::abort();
    }
    at += length;
  }
  return 0;
}
