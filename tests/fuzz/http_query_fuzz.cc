// The HTTPS API's query-string parser (/api/v1/history?...) on any bytes:
// it returns a request inside its documented limits, or an error with a
// message; percent-decoding never yields a NUL.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "meter/interfaces/http_api.h"

using namespace meter::interfaces;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view query(reinterpret_cast<const char*>(data), size);
  HistoryRequest request;
  std::string why;
  const std::int64_t now = 1796640000;
  if (ParseHistoryQuery(query, now, 900, request, why)) {
    if (request.from_unix_s >= request.to_unix_s || request.step_s <= 0 || request.step_s > 366 * 86400) std::abort();
    if ((request.to_unix_s - request.from_unix_s) / request.step_s > kMaxHistoryRows) std::abort();
    if (request.from_unix_s < -86400 || request.to_unix_s > 253402300799) std::abort();
  } else if (why.empty()) {
    std::abort();
  }
  std::string decoded;
  if (PercentDecode(query, decoded) && decoded.find('\0') != std::string::npos) std::abort();
  return 0;
}
