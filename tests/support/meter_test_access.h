#pragma once
// The meter's test-only switches, reached through the friend that meter.h
// names, so they stay out of the public API.

#include "meter/metering/meter.h"

namespace meter {

struct MeterTestAccess {
  /// The fastest run loop `m` may take from the next sample on (the tests
  /// compare the loops: the portable one against each hand-written one).
  template <typename Numeric>
  static void LimitRunLoop(BasicMeter<Numeric>& m, typename BasicMeter<Numeric>::RunLoop fastest) {
    m.LimitRunLoop(fastest);
  }
};

}  // namespace meter
