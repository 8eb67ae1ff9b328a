# `cmake --install` of the core for firmware integrators: headers, static
# libraries and a CMake package, so that a program outside this tree writes
#
#   find_package(meter-core REQUIRED)
#   target_link_libraries(app PRIVATE meter::core_float)   # or meter::core_q31
#
# and includes "meter/meter_core.h". The package carries the build's
# compile-time sizes (METER_HISTORY_SAMPLES, METER_MAX_HARMONIC_ORDER) as
# usage requirements, so a program compiles against the same layout the
# libraries were built with. Only the core is installed: host_sim, the
# interfaces and the programs are this repository's own tools.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(METER_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/meter-core)

# The names a consumer sees, meter::<name>.
set_target_properties(meter_status PROPERTIES EXPORT_NAME status)
set_target_properties(meter_dsp PROPERTIES EXPORT_NAME dsp)
set_target_properties(meter_hal PROPERTIES EXPORT_NAME hal)
set_target_properties(meter_metering PROPERTIES EXPORT_NAME metering)
set_target_properties(meter_firmware_float PROPERTIES EXPORT_NAME core_float)
set_target_properties(meter_firmware_q31 PROPERTIES EXPORT_NAME core_q31)
# Our own KissFFT builds (int32; four-lane SSE on x86-64; float on cross
# builds) are static libraries the dsp library needs at link time.
set(meter_installed_targets meter_status meter_dsp meter_hal meter_metering meter_firmware_float meter_firmware_q31
    meter_kissfft_q31)
if(TARGET meter_kissfft_sse)
  list(APPEND meter_installed_targets meter_kissfft_sse)
endif()
if(TARGET meter_kissfft_float)
  list(APPEND meter_installed_targets meter_kissfft_float)
endif()

install(TARGETS ${meter_installed_targets} EXPORT meter-core-targets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
foreach(dir dsp/status/include dsp/include metering/include firmware_hal/include)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/${dir}/meter DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
endforeach()
install(EXPORT meter-core-targets NAMESPACE meter:: DESTINATION ${METER_INSTALL_CMAKEDIR})

# Debian's float KissFFT is a shared library the package's users link too.
if(TARGET meter_kissfft_float)
  set(METER_PACKAGE_FINDS_KISSFFT OFF)
else()
  set(METER_PACKAGE_FINDS_KISSFFT ON)
endif()
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/meter-core-config.cmake.in
                              ${CMAKE_CURRENT_BINARY_DIR}/meter-core-config.cmake
                              INSTALL_DESTINATION ${METER_INSTALL_CMAKEDIR})
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/meter-core-config-version.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/meter-core-config.cmake ${CMAKE_CURRENT_BINARY_DIR}/meter-core-config-version.cmake
        DESTINATION ${METER_INSTALL_CMAKEDIR})
