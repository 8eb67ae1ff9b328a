#pragma once
// What the meter integrates per sample, and the time-domain figures of an
// interval (a cycle, a window) from those integrals: the quantity
// integration's output side. rms, P and S are covariances over the
// interval, so any DC the running shift left in the samples is removed
// exactly, whatever the waveform.

#include <array>

#include "meter/metering/config.h"
#include "meter/metering/cycle_energy.h"
#include "meter/metering/window_result.h"

namespace meter {

/// The integrated quantities, in the order the meter fills them: six per
/// phase (stride kPerPhase), then the line-to-line, neutral and
/// two-wattmeter slots.
enum IntegratedQuantity : int {
  kQvSum = 0,  ///< v
  kQiSum,      ///< i
  kQicSum,     ///< i, phase-compensated
  kQvv,        ///< v^2
  kQii,        ///< i^2
  kQvic,       ///< v times compensated i
  kPerPhase,
  kQLineToLine = 3 * kPerPhase,  ///< (va - vb)^2 ...: three slots
  kQNeutral = kQLineToLine + 3,  ///< (ia + ib + ic)^2
  kQTwoWattmeter,                ///< (va - vb) ica + (vc - vb) icc (3P3W)
  kQuantityCount,
};
/// An interval's integrals, physical units times samples.
using QuantityIntegrals = std::array<float, kQuantityCount>;

/// The interval's mean voltage and current per phase (what the running DC
/// shift follows).
struct IntervalMeans {
  std::array<float, 3> v{}, i{};
};

/// A window's time-domain figures over `span` samples: per phase rms, P
/// and S, their totals (3P3W: the two-wattmeter P), line-to-line and
/// neutral rms as the wiring has them. The rest of `window` is untouched.
IntervalMeans FillWindowTimeDomain(const QuantityIntegrals& integral, float span, Wiring wiring, WindowResult& window);

/// A cycle's P and S over `span` samples, per phase and in total (3P3W:
/// the two-wattmeter P), into `cycle` (its phase_count set too).
void FillCyclePowers(const QuantityIntegrals& integral, float span, Wiring wiring, CycleEnergy& cycle);

}  // namespace meter
