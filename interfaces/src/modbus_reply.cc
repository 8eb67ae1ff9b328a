#include "meter/interfaces/modbus_reply.h"

#include <cstring>

namespace meter::interfaces {
namespace {

constexpr std::uint8_t kReadHolding = 0x03;
constexpr std::uint8_t kReadInput = 0x04;

std::uint16_t Be16(const std::uint8_t* p) { return static_cast<std::uint16_t>((p[0] << 8) | p[1]); }
void PutBe16(std::uint16_t v, std::uint8_t* p) {
  p[0] = static_cast<std::uint8_t>(v >> 8);
  p[1] = static_cast<std::uint8_t>(v & 0xFF);
}

}  // namespace

std::size_t ExceptionPdu(std::uint8_t function, ModbusException e, std::uint8_t* reply) {
  reply[0] = static_cast<std::uint8_t>(function | 0x80);
  reply[1] = static_cast<std::uint8_t>(e);
  return 2;
}

std::size_t ReplyToPdu(const std::uint8_t* pdu, std::size_t length, const MeterSnapshot& snapshot,
                       const DeviceIdentity& id, std::uint8_t* reply) {
  if (length == 0) return ExceptionPdu(0, ModbusException::kIllegalFunction, reply);
  const std::uint8_t function = pdu[0];
  // Writes (05, 06, 0F, 10, 16, 17) and everything else but the two reads
  // stop here: nothing past this line can change or even see a map.
  if (function != kReadHolding && function != kReadInput) {
    return ExceptionPdu(function, ModbusException::kIllegalFunction, reply);
  }
  if (length != 5) return ExceptionPdu(function, ModbusException::kIllegalDataValue, reply);
  const std::uint16_t address = Be16(pdu + 1);
  const std::uint16_t count = Be16(pdu + 3);
  if (count == 0 || count > kMaxReadRegisters) return ExceptionPdu(function, ModbusException::kIllegalDataValue, reply);
  if (static_cast<std::uint32_t>(address) + count > 0x10000u) {
    return ExceptionPdu(function, ModbusException::kIllegalDataAddress, reply);
  }
  std::uint16_t words[kMaxReadRegisters];
  const ModbusException e = ReadRegisters(address, count, snapshot, id, words);
  if (e != ModbusException::kNone) return ExceptionPdu(function, e, reply);
  reply[0] = function;
  reply[1] = static_cast<std::uint8_t>(2 * count);
  for (std::uint16_t k = 0; k < count; ++k) PutBe16(words[k], reply + 2 + 2 * k);
  return 2u + 2u * count;
}

TcpFrame NextTcpFrame(const std::uint8_t* data, std::size_t size, std::size_t& frame_length) {
  // MBAP: transaction id (2), protocol id (2, always 0), length (2: unit id
  // + PDU), unit id (1).
  if (size >= 4 && Be16(data + 2) != 0) return TcpFrame::kInvalid;
  if (size < 6) return TcpFrame::kIncomplete;
  const std::uint16_t rest = Be16(data + 4);
  if (rest < 2 || rest > 1 + kMaxPdu) return TcpFrame::kInvalid;
  frame_length = 6u + rest;
  return size >= frame_length ? TcpFrame::kComplete : TcpFrame::kIncomplete;
}

std::size_t ReplyToTcpFrame(const std::uint8_t* frame, std::size_t length, const MeterSnapshot& snapshot,
                            const DeviceIdentity& id, std::uint8_t* reply) {
  // The caller framed it with NextTcpFrame: length = 6 + MBAP length >= 8.
  const std::uint8_t unit = frame[6];
  const std::uint8_t* pdu = frame + kMbapBytes;
  const std::size_t pdu_length = length - kMbapBytes;
  std::size_t reply_pdu;
  if (unit == 0 || unit == 1 || unit == 255 || unit == id.unit_id) {
    reply_pdu = ReplyToPdu(pdu, pdu_length, snapshot, id, reply + kMbapBytes);
  } else {
    reply_pdu = ExceptionPdu(pdu[0], ModbusException::kGatewayTargetFailed, reply + kMbapBytes);
  }
  std::memcpy(reply, frame, 4);  // transaction and protocol ids echoed
  PutBe16(static_cast<std::uint16_t>(reply_pdu + 1), reply + 4);
  reply[6] = unit;
  return kMbapBytes + reply_pdu;
}

}  // namespace meter::interfaces
