#include "meter/interfaces/p1_server.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <vector>

#include "meter/interfaces/p1_telegram.h"

namespace meter::interfaces {

int OpenSerialLine(const std::string& device, int baud, char parity, int stop_bits, std::string& why) {
  speed_t speed;
  switch (baud) {
    case 2400:
      speed = B2400;
      break;
    case 4800:
      speed = B4800;
      break;
    case 9600:
      speed = B9600;
      break;
    case 19200:
      speed = B19200;
      break;
    case 38400:
      speed = B38400;
      break;
    case 57600:
      speed = B57600;
      break;
    case 115200:
      speed = B115200;
      break;
    default:
      why = "baud rate " + std::to_string(baud) + " is not one of 2400 .. 115200";
      return -1;
  }
  const int fd = open(device.c_str(), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    why = device + ": " + std::strerror(errno);
    return -1;
  }
  termios tio{};
  if (tcgetattr(fd, &tio) != 0) {
    why = device + ": not a serial line (" + std::strerror(errno) + ")";
    close(fd);
    return -1;
  }
  cfmakeraw(&tio);
  cfsetispeed(&tio, speed);
  cfsetospeed(&tio, speed);
  tio.c_cflag &= static_cast<tcflag_t>(~(PARENB | PARODD | CSTOPB | CSIZE));
  tio.c_cflag |= CS8 | CLOCAL | CREAD;
  if (parity == 'E') tio.c_cflag |= PARENB;
  if (parity == 'O') tio.c_cflag |= PARENB | PARODD;
  if (stop_bits == 2) tio.c_cflag |= CSTOPB;
  if (tcsetattr(fd, TCSANOW, &tio) != 0) {
    why = device + ": " + std::strerror(errno);
    close(fd);
    return -1;
  }
  return fd;
}

bool P1Server::Start(const P1Options& options, std::string& why) {
  options_ = options;
  if (options.tcp) {
    listen_fd_ = Listen(*options.tcp, 16, why);
    if (listen_fd_ < 0) return false;
    port_ = BoundPort(listen_fd_);
  }
  if (!options.tty.empty()) {
    tty_fd_ = OpenSerialLine(options.tty, 115200, 'N', 1, why);
    if (tty_fd_ < 0) {
      if (listen_fd_ >= 0) close(listen_fd_);
      listen_fd_ = -1;
      return false;
    }
  }
  if (pipe2(wake_, O_CLOEXEC | O_NONBLOCK) != 0) {
    why = "pipe failed";
    return false;
  }
  stop_ = false;
  thread_ = std::thread([this] { Serve(); });
  return true;
}

void P1Server::Stop() {
  if (!thread_.joinable()) return;
  stop_ = true;
  const char byte = 1;
  (void)!write(wake_[1], &byte, 1);
  thread_.join();
  for (int* fd : {&listen_fd_, &tty_fd_, &wake_[0], &wake_[1]}) {
    if (*fd >= 0) close(*fd);
    *fd = -1;
  }
}

void P1Server::Serve() {
  using Clock = std::chrono::steady_clock;
  std::vector<int> clients;
  const auto period = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(options_.period_s));
  Clock::time_point next = Clock::now();
  while (!stop_) {
    std::vector<pollfd> fds;
    fds.push_back({wake_[0], POLLIN, 0});
    if (listen_fd_ >= 0) fds.push_back({listen_fd_, POLLIN, 0});
    const std::size_t first_client = fds.size();
    for (int fd : clients) fds.push_back({fd, POLLIN, 0});
    const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(next - Clock::now()).count();
    poll(fds.data(), fds.size(), wait > 0 ? static_cast<int>(wait) : 0);
    if (stop_) break;
    // P1 is one-way: whatever a client sends is read and dropped; a hang-up
    // closes its connection.
    for (std::size_t k = clients.size(); k-- > 0;) {
      if ((fds[first_client + k].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
      char sink[256];
      const ssize_t n = recv(clients[k], sink, sizeof sink, 0);
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
        close(clients[k]);
        clients.erase(clients.begin() + static_cast<std::ptrdiff_t>(k));
      }
    }
    if (listen_fd_ >= 0 && (fds[1].revents & POLLIN)) {
      for (;;) {
        const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) break;
        if (clients.size() >= 16) {
          close(fd);
          continue;
        }
        clients.push_back(fd);
      }
    }
    if (Clock::now() < next) continue;
    next += period;
    if (next < Clock::now()) next = Clock::now() + period;  // after a stall: no burst
    timespec now{};
    clock_gettime(CLOCK_REALTIME, &now);
    const std::string telegram = P1Telegram(channel_.Read(), options_.serial,
                                            static_cast<double>(now.tv_sec) + 1e-9 * static_cast<double>(now.tv_nsec));
    for (std::size_t k = clients.size(); k-- > 0;) {
      const ssize_t n = send(clients[k], telegram.data(), telegram.size(), MSG_NOSIGNAL);
      if (n != static_cast<ssize_t>(telegram.size())) {
        close(clients[k]);
        clients.erase(clients.begin() + static_cast<std::ptrdiff_t>(k));
      }
    }
    if (tty_fd_ >= 0) (void)!write(tty_fd_, telegram.data(), telegram.size());
    telegrams_.fetch_add(1);
  }
  for (int fd : clients) close(fd);
}

}  // namespace meter::interfaces
