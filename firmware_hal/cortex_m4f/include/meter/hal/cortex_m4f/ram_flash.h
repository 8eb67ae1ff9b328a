#pragma once
// The register store on the MPS2-AN386 under QEMU, which has no writable
// flash: the shared RAM flash model (meter/hal/ram_backed_flash.h: flash
// semantics, power cuts at any byte) over a fixed region, normally in the
// .nvstore section (not cleared at reset).

#include <array>
#include <cstddef>
#include <cstdint>

#include "meter/hal/ram_backed_flash.h"

namespace meter::hal::cortex_m4f {

template <std::size_t kSectorBytes, int kSectors>
class RamFlash final : public RamBackedFlash {
  static_assert(kSectorBytes % 4 == 0 && kSectors > 0);

 public:
  static constexpr std::size_t kBytes = kSectorBytes * static_cast<std::size_t>(kSectors);
  explicit RamFlash(std::array<std::uint8_t, kBytes>& region) : RamBackedFlash(region, kSectorBytes) {}
};

}  // namespace meter::hal::cortex_m4f
