#pragma once
// meter-core for integrators: the one header a firmware or host program
// includes. It brings in what an integration touches and nothing of how the
// meter works inside:
//
//   set-up         MeterConfig, Wiring, EnergyMeterConfig, ConfigForRatings,
//                  Status and Result (errors are values)
//   samples in     SampleFrame (float, primary units) or AdcFrame (Q31 codes),
//                  hal::DmaDoubleBuffer, MeteringLoop (the main loop)
//   figures out    WindowResult, AggregateResult, HarmonicSpectrum,
//                  CycleEnergy, EnergyRegisters and InterfaceValues
//   devices        hal::PulseOutput, hal::NonVolatileStore,
//                  hal::DigitalInputs, hal::PowerFailSignal (small virtual
//                  interfaces the integrator implements for its board)
//
// The meters: EnergyMeter (float) and EnergyMeterQ31 (fixed point), or
// FirmwareEnergyMeter, the variant the build chose: link meter::core_float
// or meter::core_q31 (find_package(meter-core); docs/FIRMWARE.md).
// examples/ shows a bare-metal integration and a host replay.

#include "meter/hal/digital_inputs.h"
#include "meter/hal/dma_double_buffer.h"
#include "meter/hal/nv_store.h"
#include "meter/hal/power_fail.h"
#include "meter/hal/pulse_output.h"
#include "meter/metering/config.h"
#include "meter/metering/cycle_energy.h"
#include "meter/metering/energy_meter.h"
#include "meter/metering/frame.h"
#include "meter/metering/harmonic_spectrum.h"
#include "meter/metering/interface_values.h"
#include "meter/metering/meter.h"
#include "meter/metering/metering_loop.h"
#include "meter/metering/window_result.h"
#include "meter/status.h"

// The build's numeric choice, when the program linked meter::core_float or
// meter::core_q31 (both set METER_FIRMWARE_NUMERIC_Q31).
#ifdef METER_FIRMWARE_NUMERIC_Q31
#include "meter/metering/firmware_meter.h"
#endif
