#pragma once
// The P1 port: a DSMR 5.0 telegram every second, to each client connected
// over TCP and/or written to a serial line at 115200 8N1. One thread; a
// client that cannot take a whole telegram is dropped rather than waited for.

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <thread>

#include "meter/interfaces/snapshot.h"
#include "meter/interfaces/tcp_listener.h"

namespace meter::interfaces {

struct P1Options {
  std::optional<Endpoint> tcp;
  std::string tty;  ///< Empty: no serial line.
  double period_s = 1.0;
  std::string serial;  ///< Equipment identifier.
};

class P1Server {
 public:
  explicit P1Server(const SnapshotChannel& channel) : channel_(channel) {}
  ~P1Server() { Stop(); }
  P1Server(const P1Server&) = delete;
  P1Server& operator=(const P1Server&) = delete;

  bool Start(const P1Options& options, std::string& why);
  void Stop();
  int port() const { return port_; }
  std::uint64_t telegrams() const { return telegrams_.load(); }

 private:
  void Serve();

  const SnapshotChannel& channel_;
  P1Options options_;
  int listen_fd_ = -1;
  int tty_fd_ = -1;
  int wake_[2] = {-1, -1};
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<std::uint64_t> telegrams_{0};
  std::thread thread_;
};

/// Opens a serial line raw at `baud` with 8 data bits, `parity` ('N', 'E',
/// 'O') and `stop_bits`. @returns the descriptor, or -1 with `why`.
int OpenSerialLine(const std::string& device, int baud, char parity, int stop_bits, std::string& why);

}  // namespace meter::interfaces
