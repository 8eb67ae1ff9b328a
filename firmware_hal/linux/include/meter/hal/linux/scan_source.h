#pragma once
// Sample source of the embedded-Linux meter: IIO scans read from a file
// descriptor (a regular file, a pipe, or an IIO buffer device
// /dev/iio:deviceN) and decoded into ADC frames. The reader plays the DMA:
// it fills a half of the DMA double buffer and calls its block-ready hook.

#include <array>
#include <csignal>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "meter/hal/linux/iio_scan.h"
#include "meter/metering/meter.h"
#include "meter/status.h"

namespace meter::hal::linux_board {

/// Which scan element feeds each meter input, va vb vc ia ib ic (-1: none, zeros).
using InputMap = std::array<int, 6>;

class ScanReader {
 public:
  /// Takes ownership of `fd` (closed by the destructor).
  ScanReader(int fd, const ScanLayout& layout, const InputMap& map);
  ~ScanReader();
  ScanReader(const ScanReader&) = delete;
  ScanReader& operator=(const ScanReader&) = delete;

  /// Reads whole scans into `frames`, blocking until it is full or the input
  /// ends. @returns the frames filled (fewer only at the end), or -1 on a
  /// read error (`error()` says which). A trailing partial scan is an error.
  long Read(AdcFrame* frames, std::size_t count);
  const std::string& error() const { return error_; }
  /// A flag a signal handler sets: a read interrupted by a signal then ends
  /// the input (the scans complete so far are returned) instead of resuming.
  void set_stop_flag(const volatile std::sig_atomic_t* flag) { stop_ = flag; }
  bool stopped() const { return stopped_; }

 private:
  int fd_;
  ScanLayout layout_;
  InputMap map_;
  std::vector<std::uint8_t> bytes_;
  std::string error_;
  const volatile std::sig_atomic_t* stop_ = nullptr;
  bool stopped_ = false;
};

/// An IIO device prepared for buffered capture: scan elements enabled
/// (in_voltage* and in_current*; the timestamp is disabled), the buffer
/// enabled, the device node opened.
struct IioCapture {
  int fd = -1;
  ScanLayout layout;
  std::vector<std::string> channels;  ///< element names (e.g. in_voltage0) in index order
  double sampling_frequency_hz = 0;   ///< 0 when the device does not say
};

/// `device_dir`: /sys/bus/iio/devices/iio:deviceN; `node`: /dev/iio:deviceN.
/// `buffer_length`: scans the kernel buffer holds.
Status OpenIioCapture(const std::string& device_dir, const std::string& node, int buffer_length, IioCapture& out,
                      std::string& why);

}  // namespace meter::hal::linux_board
