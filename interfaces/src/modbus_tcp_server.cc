#include "meter/interfaces/modbus_tcp_server.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <memory>
#include <vector>

#include "meter/interfaces/modbus_reply.h"

namespace meter::interfaces {
namespace {

using Clock = std::chrono::steady_clock;

// A client that pipelines requests without reading the replies stops being
// read once this much is waiting for it.
constexpr std::size_t kMaxPendingReply = 16 * kMaxTcpAdu;

struct Connection {
  int fd = -1;
  std::uint8_t in[2 * kMaxTcpAdu];
  std::size_t in_size = 0;
  std::vector<std::uint8_t> out;
  std::size_t out_sent = 0;
  Clock::time_point last_heard;
};

}  // namespace

bool ModbusTcpServer::Start(const ModbusTcpOptions& options, std::string& why) {
  options_ = options;
  listen_fd_ = Listen(options.at, 64, why);
  if (listen_fd_ < 0) return false;
  port_ = BoundPort(listen_fd_);
  if (pipe2(wake_, O_CLOEXEC | O_NONBLOCK) != 0) {
    why = "pipe failed";
    close(listen_fd_);
    listen_fd_ = -1;
    return false;
  }
  stop_ = false;
  thread_ = std::thread([this] { Serve(); });
  return true;
}

void ModbusTcpServer::Stop() {
  if (!thread_.joinable()) return;
  stop_ = true;
  const char byte = 1;
  (void)!write(wake_[1], &byte, 1);
  thread_.join();
  close(listen_fd_);
  close(wake_[0]);
  close(wake_[1]);
  listen_fd_ = wake_[0] = wake_[1] = -1;
}

void ModbusTcpServer::Serve() {
  std::vector<std::unique_ptr<Connection>> clients;
  std::vector<pollfd> fds;
  MeterSnapshot snapshot = channel_.Read();
  std::uint64_t snapshot_version = channel_.version();
  const auto idle = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(options_.idle_timeout_s));
  std::uint8_t reply[kMaxTcpAdu];

  const auto drop = [&](std::size_t k) {
    close(clients[k]->fd);
    clients.erase(clients.begin() + static_cast<std::ptrdiff_t>(k));
    stats_.open_connections.store(static_cast<int>(clients.size()), std::memory_order_relaxed);
  };

  while (!stop_) {
    fds.clear();
    fds.push_back({listen_fd_, POLLIN, 0});
    fds.push_back({wake_[0], POLLIN, 0});
    for (const auto& c : clients) {
      short events = 0;
      if (c->out.size() - c->out_sent < kMaxPendingReply) events |= POLLIN;
      if (c->out_sent < c->out.size()) events |= POLLOUT;
      fds.push_back({c->fd, events, 0});
    }
    const int ready = poll(fds.data(), fds.size(), 250);
    if (ready < 0 && errno != EINTR) break;
    const Clock::time_point now = Clock::now();

    // Clients first (indices match fds[2 + k]); walk backwards so drops
    // keep the indices of those not yet visited.
    for (std::size_t k = clients.size(); k-- > 0;) {
      Connection& c = *clients[k];
      const short revents = fds[2 + k].revents;
      bool closed = false;
      if (revents & (POLLERR | POLLNVAL)) closed = true;
      if (!closed && (revents & (POLLIN | POLLHUP))) {
        const ssize_t n = recv(c.fd, c.in + c.in_size, sizeof c.in - c.in_size, 0);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
          closed = true;
        } else if (n > 0) {
          c.in_size += static_cast<std::size_t>(n);
          c.last_heard = now;
        }
        // Replies to every complete frame received.
        std::size_t used = 0;
        while (!closed) {
          std::size_t length = 0;
          const TcpFrame f = NextTcpFrame(c.in + used, c.in_size - used, length);
          if (f == TcpFrame::kIncomplete) break;
          if (f == TcpFrame::kInvalid) {
            stats_.dropped_invalid.fetch_add(1, std::memory_order_relaxed);
            closed = true;
            break;
          }
          const std::uint64_t version = channel_.version();
          if (version != snapshot_version) {
            snapshot = channel_.Read();
            snapshot_version = version;
          }
          const std::size_t r = ReplyToTcpFrame(c.in + used, length, snapshot, identity_, reply);
          stats_.requests.fetch_add(1, std::memory_order_relaxed);
          if (reply[7] & 0x80) stats_.exceptions.fetch_add(1, std::memory_order_relaxed);
          c.out.insert(c.out.end(), reply, reply + r);
          used += length;
        }
        if (used > 0) {
          std::memmove(c.in, c.in + used, c.in_size - used);
          c.in_size -= used;
        }
      }
      if (!closed && c.out_sent < c.out.size()) {
        const ssize_t n = send(c.fd, c.out.data() + c.out_sent, c.out.size() - c.out_sent, MSG_NOSIGNAL);
        if (n > 0) {
          c.out_sent += static_cast<std::size_t>(n);
          if (c.out_sent == c.out.size()) {
            c.out.clear();
            c.out_sent = 0;
          }
        } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
          closed = true;
        }
      }
      if (!closed && now - c.last_heard > idle) {
        stats_.dropped_idle.fetch_add(1, std::memory_order_relaxed);
        closed = true;
      }
      if (closed) drop(k);
    }

    if (fds[0].revents & POLLIN) {
      for (;;) {
        const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) break;
        if (static_cast<int>(clients.size()) >= options_.max_clients) {
          stats_.refused.fetch_add(1, std::memory_order_relaxed);
          close(fd);
          continue;
        }
        auto c = std::make_unique<Connection>();
        c->fd = fd;
        c->last_heard = now;
        clients.push_back(std::move(c));
        stats_.accepted.fetch_add(1, std::memory_order_relaxed);
        stats_.open_connections.store(static_cast<int>(clients.size()), std::memory_order_relaxed);
      }
    }
    if (fds[1].revents & POLLIN) {
      char drain[16];
      while (read(wake_[0], drain, sizeof drain) > 0) {
      }
    }
  }
  for (auto& c : clients) close(c->fd);
  stats_.open_connections.store(0, std::memory_order_relaxed);
}

}  // namespace meter::interfaces
