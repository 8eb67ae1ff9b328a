#pragma once
// Replays a sample source through a meter and hands every result to a sink.

#include <ostream>
#include <vector>

#include "meter/host_sim/sample_source.h"
#include "meter/interfaces/result_sinks.h"
#include "meter/metering/energy_meter.h"
#include "meter/metering/meter.h"

namespace meter::host_sim {

// What a replay produces is written by the interfaces' sinks (shared with
// meter-linux): host_sim speaks of them by their short names.
using interfaces::CountingPulseOutput;
using interfaces::FillEnergy;
using interfaces::JsonLinesSink;
using interfaces::ReplaySink;
using interfaces::ReplaySummary;
using interfaces::Seconds;
using interfaces::TableSink;

/// The float meter's full scale when it replays primary values: beyond any
/// power system (10 MV is eight times the peak of the highest transmission
/// voltage in service, 1.2 MV; 10 MA is thirty times the largest fault
/// currents), and far inside float's range, so a sample beyond it (a
/// corrupt 1e20 V) is clipped and flagged `clipped_*` instead of
/// overflowing the window's sums.
inline constexpr float kPhysicalLimitVolts = 1.0e7f;
inline constexpr float kPhysicalLimitAmperes = 1.0e7f;

/// Called now and then with the fraction of the input consumed.
using ProgressCallback = void (*)(double fraction);

/// Runs the whole source through `meter` (initialised by the caller),
/// counting the pulses of its kWh-import output. @returns false with `error`
/// set when the source fails (the results up to that point have been
/// delivered, the summary included).
template <typename Numeric>
bool Replay(SampleSource& source, BasicEnergyMeter<Numeric>& meter, ReplaySink& sink, ReplaySummary& summary,
            SourceError& error, ProgressCallback progress = nullptr, const CountingPulseOutput* pulses = nullptr);

/// The fixed-point meter takes ADC codes: primary values are quantised
/// through full scales given in primary units (peak), saturating at the
/// code limits (the meter flags such samples as clipped).
AdcFrame QuantiseToAdc(const SampleFrame& primary, float v_full_scale, float i_full_scale, int adc_bits);

}  // namespace meter::host_sim
