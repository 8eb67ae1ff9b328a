// libFuzzer target: the WAV reader (libsndfile underneath) on arbitrary
// bytes, with the default channel order and with a map. It must report an
// error or read frames, never crash, hang or read out of bounds.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <string>

#include "meter/host_sim/wav_source.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string path = "/tmp/meter_fuzz_wav_" + std::to_string(getpid()) + ".wav";
  if (FILE* f = std::fopen(path.c_str(), "wb")) {
    std::fwrite(data, 1, size, f);
    std::fclose(f);
  }
  meter::host_sim::SourceError err;
  for (const char* map : {"", "va=2,ia=1"}) {
    for (auto wiring : {meter::Wiring::k1P2W, meter::Wiring::k3P4W}) {
      auto src = meter::host_sim::WavSource::Open(path, wiring, map, "va=400,ia=50", err);
      if (!src) continue;
      meter::SampleFrame frame;
      for (int k = 0; k < 100000 && src->Next(frame) == meter::host_sim::SampleSource::Read::kFrame; ++k) {
      }
    }
  }
  return 0;
}
