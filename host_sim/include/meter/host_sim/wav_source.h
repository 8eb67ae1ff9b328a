#pragma once
// WAV recordings (multi-channel PCM or float) through libsndfile. Samples
// arrive normalised to [-1, 1); a per-channel scale turns them into primary
// volts and amperes. Channels are taken in the order va,vb,vc,ia,ib,ic for
// the wiring's phases (1P2W: va,ia; 2P3W: va,vb,ia,ib) unless mapped.

#include <array>
#include <memory>
#include <string>

#include "meter/host_sim/sample_source.h"
#include "meter/metering/config.h"

namespace meter::host_sim {

class WavSource final : public SampleSource {
 public:
  /// `map_spec`: "va=1,ia=2,..." (1-based channel numbers); `scale_spec`:
  /// "va=400,ia=50,..." (primary units per full scale; default 1).
  static std::unique_ptr<WavSource> Open(const std::string& path, Wiring wiring, const std::string& map_spec,
                                         const std::string& scale_spec, SourceError& error);
  ~WavSource() override;
  double sample_rate() const { return rate_; }
  int channel_count() const { return channels_; }

 private:
  WavSource() = default;
  Read DoNext(SampleFrame& frame) override;
  double DoProgress() const override;
  std::vector<ChannelChoice> DoChannels() const override;

  void* file_ = nullptr;  // SNDFILE*
  std::string path_;
  double rate_ = 0;
  int channels_ = 0;
  int phases_ = 3;
  long long frames_ = 0, read_ = 0;
  std::array<int, 6> map_{-1, -1, -1, -1, -1, -1};
  std::array<double, 6> scale_{1, 1, 1, 1, 1, 1};
  std::array<double, 64> buffer_{};
};

}  // namespace meter::host_sim
