#pragma once
// DSMR 5.0 P1 telegrams: what a P1 port sends every second. The shape and
// the OBIS codes follow the DSMR 5 P1 companion standard (see
// docs/SERVICE.md): a "/" identification line, a blank line, OBIS lines
// "code(value*unit)", then "!" and a CRC-16/ARC in four upper-case hex
// digits over every byte from "/" to "!". Lines end in CR LF.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "meter/interfaces/snapshot.h"

namespace meter::interfaces {

/// CRC-16/ARC: polynomial 0x8005 reflected (0xA001), initial value 0, no
/// final XOR, as DSMR 5 specifies for the P1 telegram.
std::uint16_t Crc16Arc(const void* data, std::size_t bytes);

/// The telegram for a snapshot, time stamped `unix_time_s` in local time.
/// Before the registers are restored, the energy lines are left out (a
/// reader must never see a total of zero); before the first window, the
/// instantaneous lines are.
std::string P1Telegram(const MeterSnapshot& snapshot, std::string_view serial, double unix_time_s);

}  // namespace meter::interfaces
