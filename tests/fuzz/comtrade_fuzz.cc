// libFuzzer target: the COMTRADE reader on arbitrary configuration and data
// bytes (split at the first "\n@@\n"; a leading 'F' makes a .cff). It must
// report an error or read frames, never crash, hang or read out of bounds.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <string>

#include "meter/host_sim/comtrade_source.h"

namespace {
void Write(const std::string& path, const char* data, std::size_t size) {
  if (FILE* f = std::fopen(path.c_str(), "wb")) {
    std::fwrite(data, 1, size, f);
    std::fclose(f);
  }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  static const std::string base = "/tmp/meter_fuzz_comtrade_" + std::to_string(getpid());
  std::string path;
  if (!text.empty() && text[0] == 'F') {
    path = base + ".cff";
    Write(path, text.data() + 1, text.size() - 1);
  } else {
    const std::size_t split = text.find("\n@@\n");
    const std::string cfg = text.substr(0, split);
    const std::string dat = split == std::string::npos ? std::string() : text.substr(split + 4);
    path = base + ".cfg";
    Write(path, cfg.data(), cfg.size());
    Write(base + ".dat", dat.data(), dat.size());
  }
  meter::host_sim::SourceError err;
  auto src = meter::host_sim::ComtradeSource::Open(path, "", err);
  if (!src) return 0;
  meter::SampleFrame frame;
  for (int k = 0; k < 100000 && src->Next(frame) == meter::host_sim::SampleSource::Read::kFrame; ++k) {
  }
  return 0;
}
