# Warnings are errors in the project's own code; third-party headers come in
# as SYSTEM includes through their imported targets, so they stay quiet.
function(meter_set_warnings target)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Werror -Wshadow -Wconversion -Wno-sign-conversion
    -Wdouble-promotion -Wnon-virtual-dtor -Wold-style-cast)
endfunction()

# Core code (dsp/, metering/) must build without exceptions or RTTI, as it
# does on the Cortex-M4F target.
function(meter_core_flags target)
  meter_set_warnings(${target})
  target_compile_options(${target} PRIVATE -fno-exceptions -fno-rtti)
endfunction()

# Tests and host tools compute references in double and mix in float results
# freely; promotion warnings there would only add casts.
# -Wno-restrict: GCC 12 reports a false positive inside libstdc++'s
# std::string concatenation at -O3 (GCC bug 105329); it is not our code.
function(meter_set_host_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Werror -Wshadow -Wnon-virtual-dtor
                         $<$<CXX_COMPILER_ID:GNU>:-Wno-restrict>)
endfunction()
