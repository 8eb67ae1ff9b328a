# Builds the core alone with METER_HAND_WRITTEN_KERNELS=OFF for another
# Cortex-M (CPU flags in CPU), as an integrator would for a part without the
# Cortex-M4F's loops, and checks that no hand-written loop is in it: the
# Cortex-M4F-only grid loop's symbol must be absent, and the portable core
# must still build warning-free (-Werror).
#   cmake -DSOURCE=... -DBINARY=... -DTOOLCHAIN=... -DCPU=... -DNM=... -P portable_core.cmake
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
execute_process(COMMAND ${NM} -C ${BINARY}/dsp/libmeter_dsp.a OUTPUT_VARIABLE symbols RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "${NM} failed on libmeter_dsp.a")
endif()
if(symbols MATCHES "InterpolateSixGridFromStarts")
  message(FATAL_ERROR "the portable core still holds the Cortex-M4F grid loop")
endif()
if(NOT symbols MATCHES "SincInterpolator")
  message(FATAL_ERROR "libmeter_dsp.a holds no resampler: the check above proves nothing")
endif()
message("the portable core builds for ${CPU} with no hand-written loop")
