#pragma once
// Request to reply, with no I/O: what the Modbus TCP and RTU servers answer
// to a request, decided in one place (and fuzzed as such). The server is
// read-only: FC03 and FC04 read the maps (modbus_map.h); every write
// function code, and every other function code, is refused with exception
// 01 before anything looks at a map.

#include <cstddef>
#include <cstdint>

#include "meter/interfaces/modbus_map.h"

namespace meter::interfaces {

/// Longest Modbus PDU (function code + data) and TCP ADU (MBAP + PDU).
inline constexpr std::size_t kMaxPdu = 253;
inline constexpr std::size_t kMaxTcpAdu = 260;
inline constexpr std::size_t kMbapBytes = 7;
/// Most registers one FC03/FC04 read may ask for.
inline constexpr std::uint16_t kMaxReadRegisters = 125;

/// The reply PDU to request `pdu` (function code first) of `length` bytes,
/// into `reply` (kMaxPdu bytes). @returns the reply's length (never 0: a
/// PDU always gets an answer; the transport decides about silence).
std::size_t ReplyToPdu(const std::uint8_t* pdu, std::size_t length, const MeterSnapshot& snapshot,
                       const DeviceIdentity& id, std::uint8_t* reply);

/// An exception reply PDU.
std::size_t ExceptionPdu(std::uint8_t function, ModbusException e, std::uint8_t* reply);

/// Modbus TCP framing by the MBAP header (length field), not by function
/// code, so a frame with a wrong length cannot make the server read the next
/// frame's bytes as its own.
enum class TcpFrame : std::uint8_t {
  kIncomplete,  ///< Wait for more bytes.
  kComplete,    ///< `frame_length` bytes at the front are one frame.
  kInvalid,     ///< Not Modbus (protocol id not 0, length out of 2..254): close the connection.
};
TcpFrame NextTcpFrame(const std::uint8_t* data, std::size_t size, std::size_t& frame_length);

/// The reply ADU to one complete TCP frame, into `reply` (kMaxTcpAdu bytes).
/// Unit ids 0, 1, 255 and `id.unit_id` read the maps; another gets exception
/// 0x0B. @returns the reply's length.
std::size_t ReplyToTcpFrame(const std::uint8_t* frame, std::size_t length, const MeterSnapshot& snapshot,
                            const DeviceIdentity& id, std::uint8_t* reply);

}  // namespace meter::interfaces
