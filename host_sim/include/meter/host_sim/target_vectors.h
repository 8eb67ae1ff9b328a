#pragma once
// Test vectors for the firmware targets, computed on the host from the same
// core code: the self-test's expected figures (a C++ header compiled into
// each Cortex-M4F image).

#include <string>

namespace meter::host_sim {

/// Runs the built-in self-test on the host with the float (q31 = false) or
/// Q31 core and returns a header defining
/// meter::selftest::generated::kHostExpected and kExact.
std::string SelfTestExpectedHeader(bool q31);

}  // namespace meter::host_sim
