# Bare-metal Cortex-M4F (arm-none-eabi-gcc 12 from Debian, newlib).
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR arm)
set(CMAKE_C_COMPILER arm-none-eabi-gcc)
set(CMAKE_CXX_COMPILER arm-none-eabi-g++)
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
# METER_CORTEX_M_CPU: another Cortex-M for the portable core (with
# METER_HAND_WRITTEN_KERNELS=OFF), e.g. "-mcpu=cortex-m33 -mfpu=fpv5-sp-d16".
if(NOT METER_CORTEX_M_CPU)
  set(METER_CORTEX_M_CPU "-mcpu=cortex-m4 -mfpu=fpv4-sp-d16")
endif()
set(METER_TARGET_FLAGS "${METER_CORTEX_M_CPU} -mthumb -mfloat-abi=hard -ffunction-sections -fdata-sections")
set(CMAKE_C_FLAGS_INIT "${METER_TARGET_FLAGS}")
set(CMAKE_CXX_FLAGS_INIT "${METER_TARGET_FLAGS} -fno-exceptions -fno-rtti -fno-threadsafe-statics")
# Nothing is found on or linked from the host.
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
# firmware_hal builds the cortex_m4f backend and images for this platform.
set(METER_TARGET_PLATFORM cortex-m4f)
