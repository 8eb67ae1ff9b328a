#pragma once
// The numeric variant a firmware image carries, chosen in one place: the
// CMake option METER_FIRMWARE_NUMERIC (float or q31).

#include "meter/metering/energy_meter.h"

#ifndef METER_FIRMWARE_NUMERIC_Q31
#error \
    "METER_FIRMWARE_NUMERIC_Q31 comes from linking meter::firmware (METER_FIRMWARE_NUMERIC=float|q31), meter::firmware_float or meter::firmware_q31"
#endif

namespace meter {

#if METER_FIRMWARE_NUMERIC_Q31
using FirmwareNumeric = dsp::Q31Numeric;
#else
using FirmwareNumeric = dsp::FloatNumeric;
#endif
using FirmwareEnergyMeter = BasicEnergyMeter<FirmwareNumeric>;

}  // namespace meter
