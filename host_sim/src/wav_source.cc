#include "meter/host_sim/wav_source.h"

#include <sndfile.h>

#include <algorithm>
#include <cctype>
#include <charconv>

namespace meter::host_sim {
namespace {

constexpr const char* kInputs[6] = {"va", "vb", "vc", "ia", "ib", "ic"};

std::string Trim(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  std::size_t b = 0;
  while (b < s.size() && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  return s.substr(b);
}

// Parses "name=value,..." into per-input values; false with a message on error.
template <typename T>
bool ParseAssignments(const std::string& spec, std::array<T, 6>& out, std::string& message) {
  std::size_t start = 0;
  while (start < spec.size()) {
    std::size_t comma = spec.find(',', start);
    if (comma == std::string::npos) comma = spec.size();
    const std::string item = Trim(spec.substr(start, comma - start));
    start = comma + 1;
    if (item.empty()) continue;
    const auto eq = item.find('=');
    const std::string key = eq == std::string::npos ? item : Trim(item.substr(0, eq));
    const auto slot = std::find(std::begin(kInputs), std::end(kInputs), key);
    const std::string value = eq == std::string::npos ? "" : Trim(item.substr(eq + 1));
    T v{};
    const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
    if (slot == std::end(kInputs) || value.empty() || ec != std::errc() || ptr != value.data() + value.size()) {
      message = "'" + item + "' is not INPUT=NUMBER with INPUT one of va,vb,vc,ia,ib,ic";
      return false;
    }
    out[static_cast<std::size_t>(slot - std::begin(kInputs))] = v;
  }
  return true;
}

}  // namespace

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
  std::string message;
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
      error = {path, 0, 0, std::string("--map: ") + kInputs[slot] + "=" + spec[slot] + ": a WAV channel is a 1-based number"};
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
  if (!ParseAssignments(scale_spec, src->scale_, message)) {
    error = {path, 0, 0, "--scale: " + message};
    error.in_option = true;
    return nullptr;
  }
  for (int slot = 0; slot < 6; ++slot) {
    const int ch = src->map_[static_cast<std::size_t>(slot)];
    const bool needed = (slot % 3) < phases;
    if (needed && (ch < 1 || ch > info.channels)) {
      error = {path, 0, 0,
               std::string("input ") + kInputs[slot] + " needs channel " + std::to_string(ch) + " but the file has " +
                   std::to_string(info.channels) + " (map channels with --map va=1,ia=2,...)"};
      error.in_option = !spec[static_cast<std::size_t>(slot)].empty();
      return nullptr;
    }
  }
  return src;
}

std::vector<ChannelChoice> WavSource::DoChannels() const {
  std::vector<ChannelChoice> out;
  for (std::size_t slot = 0; slot < map_.size(); ++slot) {
    if (static_cast<int>(slot % 3) < phases_) out.push_back({kInputs[slot], "channel " + std::to_string(map_[slot]), ""});
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
      error_ = {path_, 0, 0, std::string("read error at frame ") + std::to_string(read_) + ": " +
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
