#pragma once
// Average, minimum and maximum of a quantity over an interval: what the MQTT
// interval records and the load profile keep of every window's value.

#include <cmath>
#include <cstdint>

namespace meter::interfaces {

struct RunningStat {
  double sum = 0, min = 0, max = 0;
  std::int64_t n = 0;  ///< Finite values seen; 0: avg, min and max are unknown.

  /// A non-finite value (an undefined PF, a missing phase) is left out.
  void Add(float x) {
    if (!std::isfinite(x)) return;
    const double v = static_cast<double>(x);
    min = n == 0 ? v : std::fmin(min, v);
    max = n == 0 ? v : std::fmax(max, v);
    sum += v;
    ++n;
  }
  double average() const { return sum / static_cast<double>(n); }
};

}  // namespace meter::interfaces
