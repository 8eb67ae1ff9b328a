#pragma once
// KissFFT's two-call allocation for the real and complex 128-point plans,
// placed in a caller's arena; shared by the float and the int32 backends,
// which pass their own (differently named) allocation functions.

#include <cstddef>

#include "meter/status.h"

namespace meter::dsp {

template <typename RealAlloc, typename ComplexAlloc>
Status PlacePlans(unsigned char* arena, std::size_t arena_bytes, int n, RealAlloc real_alloc,
                  ComplexAlloc complex_alloc, void** real_plan, void** complex_plan) {
  std::size_t real_len = 0, complex_len = 0;
  real_alloc(n, 0, nullptr, &real_len);  // size query: allocates nothing
  complex_alloc(n, 0, nullptr, &complex_len);
  real_len = (real_len + 15u) & ~static_cast<std::size_t>(15u);
  if (real_len + complex_len > arena_bytes) return Status::kResourceExhausted;
  std::size_t len = real_len;
  *real_plan = real_alloc(n, 0, arena, &len);
  len = complex_len;
  *complex_plan = complex_alloc(n, 0, arena + real_len, &len);
  return *real_plan != nullptr && *complex_plan != nullptr ? Status::kOk : Status::kResourceExhausted;
}

}  // namespace meter::dsp
