#pragma once
// Modbus RTU slave on a serial line (RS485 in the meter), through Debian's
// libmodbus: it frames requests (silent intervals, CRC) and ignores those
// for other unit ids; the reply is decided by ReplyToPdu, as for TCP.

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>

#include "meter/interfaces/modbus_map.h"

namespace meter::interfaces {

struct ModbusRtuOptions {
  std::string device;
  int baud = 9600;
  char parity = 'N';  ///< 'N', 'E' or 'O'
  int stop_bits = 1;
  std::uint8_t unit_id = 1;
};

/// "DEVICE[:BAUD[:8N1|8E1|8O1|8N2]]". @returns false with `why`.
bool ParseRtuSpec(const std::string& text, ModbusRtuOptions& out, std::string& why);

class ModbusRtuServer {
 public:
  ModbusRtuServer(const SnapshotChannel& channel, const DeviceIdentity& identity)
      : channel_(channel), identity_(identity) {}
  ~ModbusRtuServer() { Stop(); }
  ModbusRtuServer(const ModbusRtuServer&) = delete;
  ModbusRtuServer& operator=(const ModbusRtuServer&) = delete;

  bool Start(const ModbusRtuOptions& options, std::string& why);
  void Stop();
  std::uint64_t requests() const { return requests_.load(); }

 private:
  void Serve();

  const SnapshotChannel& channel_;
  DeviceIdentity identity_;
  ModbusRtuOptions options_;
  void* context_ = nullptr;  // modbus_t, kept out of this header
  std::atomic<bool> stop_{false};
  std::atomic<std::uint64_t> requests_{0};
  std::thread thread_;
};

}  // namespace meter::interfaces
