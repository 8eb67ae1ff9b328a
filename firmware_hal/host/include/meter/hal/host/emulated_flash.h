#pragma once
// Host backend of NonVolatileStore: the shared RAM flash model
// (meter/hal/ram_backed_flash.h) over memory of its own, sized at run time,
// for power-fail tests.

#include <cstddef>
#include <vector>

#include "meter/hal/ram_backed_flash.h"

namespace meter::hal::host {

namespace detail {
// Constructed before the flash model that points into it.
struct EmulatedFlashMemory {
  std::vector<std::uint8_t> bytes;
};
}  // namespace detail

class EmulatedFlash final : private detail::EmulatedFlashMemory, public RamBackedFlash {
 public:
  EmulatedFlash(std::size_t sector_size, int sectors)
      : detail::EmulatedFlashMemory{std::vector<std::uint8_t>(sector_size * static_cast<std::size_t>(sectors), 0xFF)},
        RamBackedFlash(bytes, sector_size) {}
};

}  // namespace meter::hal::host
