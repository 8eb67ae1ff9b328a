#include "meter/hal/linux/gpio.h"

#include <fcntl.h>
#include <linux/gpio.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace meter::hal::linux_board {

GpioLines::~GpioLines() {
  if (fd_ >= 0) close(fd_);
}

Status GpioLines::Request(const std::string& chip, const std::uint32_t* offsets, int count, bool output,
                          const char* consumer, std::string& why) {
  if (count < 1 || count > 4) {
    why = "GPIO: 1 to 4 lines per request";
    return Status::kInvalidArgument;
  }
  const int chip_fd = open(chip.c_str(), O_RDWR | O_CLOEXEC);
  if (chip_fd < 0) {
    why = chip + ": " + std::strerror(errno);
    return Status::kUnavailable;
  }
  gpio_v2_line_request req;
  std::memset(&req, 0, sizeof(req));
  for (int k = 0; k < count; ++k) req.offsets[k] = offsets[k];
  req.num_lines = static_cast<std::uint32_t>(count);
  std::strncpy(req.consumer, consumer, sizeof(req.consumer) - 1);
  req.config.flags = output ? GPIO_V2_LINE_FLAG_OUTPUT : GPIO_V2_LINE_FLAG_INPUT;
  const int r = ioctl(chip_fd, GPIO_V2_GET_LINE_IOCTL, &req);
  const int err = errno;
  close(chip_fd);
  if (r < 0) {
    why = chip + ": cannot request line " + std::to_string(offsets[0]) + (count > 1 ? " and others" : "") + ": " +
          std::strerror(err);
    return Status::kUnavailable;
  }
  if (fd_ >= 0) close(fd_);
  fd_ = req.fd;
  count_ = count;
  return Status::kOk;
}

bool GpioLines::Get(std::uint32_t& bits) const {
  gpio_v2_line_values v;
  std::memset(&v, 0, sizeof(v));
  v.mask = (1ull << count_) - 1;
  if (fd_ < 0 || ioctl(fd_, GPIO_V2_LINE_GET_VALUES_IOCTL, &v) < 0) return false;
  bits = static_cast<std::uint32_t>(v.bits);
  return true;
}

bool GpioLines::Set(std::uint32_t bits, std::uint32_t mask) {
  gpio_v2_line_values v;
  std::memset(&v, 0, sizeof(v));
  v.bits = bits;
  v.mask = mask;
  return fd_ >= 0 && ioctl(fd_, GPIO_V2_LINE_SET_VALUES_IOCTL, &v) >= 0;
}

std::uint8_t GpioDigitalInputs::DoRead() {
  std::uint32_t bits = 0;
  // A failed read keeps the last levels rather than inventing a change.
  if (!lines_.Get(bits)) return last_;
  last_ = static_cast<std::uint8_t>(((bits & 1u) ? kInputTariff2 : 0u) | ((bits & 2u) ? kInputPartialRun : 0u) |
                                    ((bits & 4u) ? kInputPartialReset : 0u));
  return last_;
}

bool GpioPowerFail::DoAsserted() {
  std::uint32_t bits = 1;
  // A failed read is not a power failure: saving needlessly is harmless, but
  // the store's wear is not, so only a read low asserts.
  return lines_.Get(bits) && (bits & 1u) == 0;
}

}  // namespace meter::hal::linux_board
