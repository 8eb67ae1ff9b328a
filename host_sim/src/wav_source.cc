#include "meter/host_sim/wav_source.h"

#include <sndfile.h>

#include <charconv>

namespace meter::host_sim {

std::unique_ptr<WavSource> WavSource::Open(const std::string& path, Wiring wiring, const std::string& map_spec,
                                           const std::string& scale_spec, SourceError& error) {
  std::unique_ptr<WavSource> src(new WavSource());
  src->path_ = path;
  SF_INFO info{};
  SNDFILE* f = sf_open(path.c_str(), SFM_READ, &info);
  if (f == nullptr) {
    error = {path, 0, 0, std::string("cannot read as audio: ") + sf_strerror(nullptr)};
    return nullptr;
  }
  src->file_ = f;
  src->rate_ = info.samplerate;
  src->channels_ = info.channels;
  src->frames_ = info.frames;
  if (info.channels < 1 || info.channels > static_cast<int>(src->buffer_.size())) {
    error = {path, 0, 0, "unsupported channel count " + std::to_string(info.channels)};
    return nullptr;
  }
  // Default order: the wiring's voltages, then its currents.
  const int phases = PhaseCount(wiring);
  src->phases_ = phases;
  int next = 1;
  for (int p = 0; p < phases; ++p) src->map_[static_cast<std::size_t>(p)] = next++;
  for (int p = 0; p < phases; ++p) src->map_[static_cast<std::size_t>(3 + p)] = next++;
  InputMapSpec spec;
  if (const std::string problem = ParseInputMap(map_spec, spec); !problem.empty()) {
    error = {path, 0, 0, "--map: " + problem};
    error.in_option = true;
    return nullptr;
  }
  for (std::size_t slot = 0; slot < src->map_.size(); ++slot) {
    if (spec[slot].empty()) continue;
    int channel = 0;
    const auto [ptr, ec] = std::from_chars(spec[slot].data(), spec[slot].data() + spec[slot].size(), channel);
    if (ec != std::errc() || ptr != spec[slot].data() + spec[slot].size()) {
      error = {path, 0, 0,
               std::string("--map: ") + kInputNames[slot] + "=" + spec[slot] + ": a WAV channel is a 1-based number"};
      error.in_option = true;
      return nullptr;
    }
    src->map_[slot] = channel;
  }
  if (!spec[6].empty() || !spec[7].empty()) {
    error = {path, 0, 0, "--map: vn and in are not read from WAV recordings"};
    error.in_option = true;
    return nullptr;
  }
  // --scale: the same INPUT=VALUE list, a number per input.
  InputMapSpec scales;
  std::string problem = ParseInputMap(scale_spec, scales);
  for (std::size_t slot = 0; problem.empty() && slot < scales.size(); ++slot) {
    if (scales[slot].empty()) continue;
    const std::string& text = scales[slot];
    double value = 0;
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (slot >= src->scale_.size() || ec != std::errc() || ptr != text.data() + text.size() || !(value > 0)) {
      problem = std::string(kInputNames[slot]) + "=" + text +
                ": a scale is a positive number of primary units at full scale, for inputs va..ic";
    } else {
      src->scale_[slot] = value;
    }
  }
  if (!problem.empty()) {
    error = {path, 0, 0, "--scale: " + problem};
    error.in_option = true;
    return nullptr;
  }
  for (int slot = 0; slot < 6; ++slot) {
    const int ch = src->map_[static_cast<std::size_t>(slot)];
    const bool needed = (slot % 3) < phases;
    if (needed && (ch < 1 || ch > info.channels)) {
      error = {path, 0, 0,
               std::string("input ") + kInputNames[slot] + " needs channel " + std::to_string(ch) +
                   " but the file has " + std::to_string(info.channels) + " (map channels with --map va=1,ia=2,...)"};
      error.in_option = !spec[static_cast<std::size_t>(slot)].empty();
      return nullptr;
    }
  }
  return src;
}

std::vector<ChannelChoice> WavSource::DoChannels() const {
  std::vector<ChannelChoice> out;
  for (std::size_t slot = 0; slot < map_.size(); ++slot) {
    if (static_cast<int>(slot % 3) < phases_)
      out.push_back({kInputNames[slot], "channel " + std::to_string(map_[slot]), ""});
  }
  return out;
}

WavSource::~WavSource() {
  if (file_ != nullptr) sf_close(static_cast<SNDFILE*>(file_));
}

SampleSource::Read WavSource::DoNext(SampleFrame& frame) {
  const sf_count_t got = sf_readf_double(static_cast<SNDFILE*>(file_), buffer_.data(), 1);
  if (got == 0) {
    if (sf_error(static_cast<SNDFILE*>(file_)) != SF_ERR_NO_ERROR) {
      error_ = {path_, 0, 0,
                std::string("read error at frame ") + std::to_string(read_) + ": " +
                    sf_strerror(static_cast<SNDFILE*>(file_))};
      return Read::kError;
    }
    return Read::kEnd;
  }
  ++read_;
  for (std::size_t slot = 0; slot < 6; ++slot) {
    const int ch = map_[slot];
    const double x = ch >= 1 && ch <= channels_ ? buffer_[static_cast<std::size_t>(ch - 1)] * scale_[slot] : 0.0;
    (slot < 3 ? frame.v[slot] : frame.i[slot - 3]) = static_cast<float>(x);
  }
  return Read::kFrame;
}

double WavSource::DoProgress() const {
  return frames_ > 0 ? std::min(1.0, static_cast<double>(read_) / static_cast<double>(frames_)) : 0.0;
}

}  // namespace meter::host_sim
