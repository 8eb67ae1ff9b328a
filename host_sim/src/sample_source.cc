#include "meter/host_sim/sample_source.h"

namespace meter::host_sim {

std::string SourceError::ToString() const {
  std::string s = file;
  if (line > 0) s += ":" + std::to_string(line);
  if (column > 0) s += ":" + std::to_string(column);
  if (!s.empty()) s += ": ";
  return s + message;
}

}  // namespace meter::host_sim
