#pragma once
// Modbus TCP server: one thread, non-blocking sockets and poll(2), so a
// client that sends nothing, half a frame, or never reads its replies holds
// only its own connection. Replies come from ReplyToTcpFrame over the latest
// snapshot; the metering loop is never waited for.

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>

#include "meter/interfaces/modbus_map.h"
#include "meter/interfaces/tcp_listener.h"

namespace meter::interfaces {

struct ModbusTcpOptions {
  Endpoint at;
  int max_clients = 32;          ///< Connections beyond this are closed at once.
  double idle_timeout_s = 60.0;  ///< A connection that sends nothing this long is closed.
};

struct ModbusTcpStats {
  std::atomic<std::uint64_t> requests{0};
  std::atomic<std::uint64_t> exceptions{0};
  std::atomic<std::uint64_t> accepted{0};
  std::atomic<std::uint64_t> refused{0};          ///< Over max_clients.
  std::atomic<std::uint64_t> dropped_invalid{0};  ///< Closed for a frame that is not Modbus TCP.
  std::atomic<std::uint64_t> dropped_idle{0};
  std::atomic<int> open_connections{0};  ///< Clients connected now.
};

class ModbusTcpServer {
 public:
  ModbusTcpServer(const SnapshotChannel& channel, const DeviceIdentity& identity)
      : channel_(channel), identity_(identity) {}
  ~ModbusTcpServer() { Stop(); }
  ModbusTcpServer(const ModbusTcpServer&) = delete;
  ModbusTcpServer& operator=(const ModbusTcpServer&) = delete;

  /// Binds and starts serving. @returns false with `why` when it cannot bind.
  bool Start(const ModbusTcpOptions& options, std::string& why);
  void Stop();
  int port() const { return port_; }
  const ModbusTcpStats& stats() const { return stats_; }

 private:
  void Serve();

  const SnapshotChannel& channel_;
  DeviceIdentity identity_;
  ModbusTcpOptions options_;
  int listen_fd_ = -1;
  int wake_[2] = {-1, -1};
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  ModbusTcpStats stats_;
};

}  // namespace meter::interfaces
