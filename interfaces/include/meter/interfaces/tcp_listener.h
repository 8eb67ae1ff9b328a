#pragma once
// Listening sockets for the interfaces: "ADDR:PORT" parsed and bound to
// that address only (IPv4 or [IPv6]), non-blocking, close-on-exec.

#include <string>

namespace meter::interfaces {

struct Endpoint {
  std::string host;  ///< Numeric address: 127.0.0.1, 0.0.0.0, ::1, ...
  int port = 0;
};

/// "ADDR:PORT" or "[ADDR]:PORT". @returns false with `why` for anything else
/// (a host name is refused: a listener binds to an address, not a name).
bool ParseEndpoint(const std::string& text, Endpoint& out, std::string& why);

/// A bound, listening, non-blocking socket, or -1 with `why`.
int Listen(const Endpoint& at, int backlog, std::string& why);

/// The port a socket is bound to (after binding port 0).
int BoundPort(int fd);

}  // namespace meter::interfaces
