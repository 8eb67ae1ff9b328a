# Builds the core alone with METER_HAND_WRITTEN_KERNELS=OFF for another
# Cortex-M (CPU flags in CPU), as an integrator would for a part without the
# Cortex-M4F's loops, and checks that no hand-written loop is in it (the
# Cortex-M4F forms' symbols must be absent) and that the portable core
# builds warning-free (-Werror).
#   cmake -DSOURCE=... -DBINARY=... -DFORMS_BINARY=<the Cortex-M4F build> -DTOOLCHAIN=... -DCPU=... -DNM=...
#         -P portable_core.cmake
execute_process(
  COMMAND ${CMAKE_COMMAND} -S ${SOURCE} -B ${BINARY} -G Ninja --toolchain ${TOOLCHAIN}
          -DCMAKE_BUILD_TYPE=Release -DMETER_BUILD_HOST_TOOLS=OFF -DMETER_BUILD_IMAGES=OFF
          -DMETER_KISSFFT_FLOAT_FROM_SOURCE=ON -DMETER_HAND_WRITTEN_KERNELS=OFF
          -DMETER_HISTORY_SAMPLES=256 -DMETER_MAX_HARMONIC_ORDER=31 "-DMETER_CORTEX_M_CPU=${CPU}"
  RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "configuring the portable core for ${CPU} failed")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} --build ${BINARY} RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "building the portable core for ${CPU} failed")
endif()
# The Cortex-M4F forms' symbols (dsp/src/*_arm.cc, metering/src/*_arm.cc): absent from the portable core, present in the
# Cortex-M4F build's libraries (FORMS_BINARY), so the names cannot go stale
# and the check pass by proving nothing.
set(arm_forms SixGridPassesArm InterpolateSixFloatsBlockLoads SixIntegerPasses AccumulateScaledCycleQ31Arm
              MagnitudeBoundArm SumPhaseRunQ31Arm ConditionSixChannelsArm)
function(library_symbols binary out)
  set(all "")
  foreach(library dsp/libmeter_dsp.a dsp/libmeter_kissfft_q31.a metering/libmeter_metering.a)
    execute_process(COMMAND ${NM} -C ${binary}/${library} OUTPUT_VARIABLE symbols RESULT_VARIABLE status)
    if(NOT status EQUAL 0)
      message(FATAL_ERROR "${NM} failed on ${binary}/${library}")
    endif()
    string(APPEND all "${symbols}")
  endforeach()
  set(${out} "${all}" PARENT_SCOPE)
endfunction()
library_symbols(${BINARY} portable)
library_symbols(${FORMS_BINARY} forms)
if(NOT portable MATCHES "SincInterpolator")
  message(FATAL_ERROR "the portable libmeter_dsp.a holds no resampler: the checks below prove nothing")
endif()
foreach(form IN LISTS arm_forms)
  if(NOT forms MATCHES "${form}")
    message(FATAL_ERROR "the Cortex-M4F build has no ${form}: this check's list is stale")
  endif()
  if(portable MATCHES "${form}")
    message(FATAL_ERROR "the portable core still holds the Cortex-M4F form ${form}")
  endif()
endforeach()
message("the portable core builds for ${CPU} with none of the Cortex-M4F forms (${arm_forms})")
