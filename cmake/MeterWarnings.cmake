# Warnings are errors in the project's own code; third-party headers come in
# as SYSTEM includes through their imported targets, so they stay quiet.
function(meter_set_warnings target)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Werror -Wshadow -Wconversion -Wno-sign-conversion
    -Wdouble-promotion -Wnon-virtual-dtor -Wold-style-cast)
endfunction()

# Core code (dsp/, metering/) must build without exceptions or RTTI, as it
# does on the Cortex-M4F target.
#
# -ffp-contract=fast, said explicitly: the Cortex-M4F's hand-written float
# loops use fused multiply-adds (VFMA) and equal their portable twins to the
# bit only because GCC contracts the twins' a * b + c into the same VFMA.
# That is GCC's default for C++ (not for ISO C), so this changes no code
# today; it keeps the equality from resting on a default (on x86 hosts it
# matters only inside the AVX2 + FMA functions).
function(meter_core_flags target)
  meter_set_warnings(${target})
  target_compile_options(${target} PRIVATE -fno-exceptions -fno-rtti -ffp-contract=fast)
endfunction()

# Tests and host tools compute references in double and mix in float results
# freely; promotion warnings there would only add casts.
# -Wno-restrict: GCC 12 reports a false positive inside libstdc++'s
# std::string concatenation at -O3 (GCC bug 105329); it is not our code.
function(meter_set_host_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Werror -Wshadow -Wnon-virtual-dtor
                         $<$<CXX_COMPILER_ID:GNU>:-Wno-restrict>)
endfunction()
