#pragma once
// An energy register that cannot drift: integer milli-units (mWh, mvarh,
// mVAh) plus an integer remainder in micro-watt-ticks that is carried, never
// rounded away. Each step adds power (quantised to 1 uW) times an exact
// integer duration, so after any number of steps the register equals the
// sum of P * dt to the micro-watt-tick. No floating-point accumulation.
//
// Scaling and overflow: the remainder is below the milli-unit quantum K
// (3.6e6 * ticks per second, under 2^41) before each step; power up to
// 2^44 uW (17.6 MW) times a step of up to 2^19 ticks keeps it below 2^64.
// Longer steps or larger powers are split by the exact bound. The
// milli-unit count reaches 2^64 after 10^8 years at 17 MW.

#include <cstdint>

namespace meter {

class EnergyCounter {
 public:
  /// Adds `power_uw` (>= 0) for `ticks`. A cycle (a few thousand ticks) is
  /// one multiply-add; a long step is split so the product cannot overflow.
  void Add(std::uint64_t power_uw, std::uint64_t ticks, std::uint64_t remainder_per_milli) {
    if (power_uw == 0) return;
    const bool fast = power_uw < (1ull << 44) && ticks <= (1ull << 19);
    const std::uint64_t max_step = fast ? ticks : (~0ull - remainder_per_milli) / power_uw;
    while (ticks > 0) {
      const std::uint64_t step = ticks < max_step ? ticks : max_step;
      remainder_ += power_uw * step;
      if (remainder_ >= remainder_per_milli) {
        const std::uint64_t whole = remainder_ / remainder_per_milli;
        milli_ += whole;
        remainder_ -= whole * remainder_per_milli;
      }
      ticks -= step;
    }
  }
  void Reset() { milli_ = remainder_ = 0; }

  std::uint64_t milli() const { return milli_; }
  std::uint64_t remainder() const { return remainder_; }
  /// Value in kilo-units (kWh, kvarh, kVAh), unrounded.
  double Kilo(std::uint64_t remainder_per_milli) const {
    return (static_cast<double>(milli_) + static_cast<double>(remainder_) / static_cast<double>(remainder_per_milli)) *
           1e-6;
  }
  /// Restores a saved value (persistence).
  void Restore(std::uint64_t milli, std::uint64_t remainder) {
    milli_ = milli;
    remainder_ = remainder;
  }

 private:
  std::uint64_t milli_ = 0;
  std::uint64_t remainder_ = 0;
};

/// Power in watts to the registers' integer micro-watts (magnitude).
std::uint64_t ToMicroWatts(float watts);

}  // namespace meter
