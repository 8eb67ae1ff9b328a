#include "meter/metering/quantity_run_q31.h"

#include <cstdint>

#include "meter/dsp/target.h"
#include "quantity_run_q31_loops.h"

namespace meter::detail {

void SumPhaseRunQ31(const PhaseRunSetupQ31& setup, const std::int32_t* first_frame, int count, std::int64_t* sums,
                    std::int64_t* last) {
  if constexpr (dsp::kArmBlockLoads) {
    quantity_run_q31::SumPhaseRunQ31Arm(setup, first_frame, count, sums, last);
  } else {
    quantity_run_q31::SumRun<quantity_run_q31::PortableLoops>(setup, first_frame, count, sums, last);
  }
}

void SumPhaseRunQ31Portable(const PhaseRunSetupQ31& setup, const std::int32_t* first_frame, int count,
                            std::int64_t* sums, std::int64_t* last) {
  quantity_run_q31::SumRun<quantity_run_q31::PortableLoops>(setup, first_frame, count, sums, last);
}

}  // namespace meter::detail
