#include "meter/host_sim/comtrade_source.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

namespace meter::host_sim {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::string Trim(std::string_view s) {
  std::size_t b = 0, e = s.size();
  while (b < e && (std::isspace(static_cast<unsigned char>(s[b])) || s[b] == '\x1a')) ++b;
  while (e > b && (std::isspace(static_cast<unsigned char>(s[e - 1])) || s[e - 1] == '\x1a')) --e;
  return std::string(s.substr(b, e - b));
}
std::string Lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}
std::vector<std::string> Fields(const std::string& line) {
  std::vector<std::string> f;
  std::size_t start = 0;
  for (;;) {
    const std::size_t comma = line.find(',', start);
    f.push_back(
        Trim(std::string_view(line).substr(start, comma == std::string::npos ? std::string::npos : comma - start)));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return f;
}
bool ParseDouble(const std::string& text, double& out) {
  std::string t = Trim(text);
  if (!t.empty() && t[0] == '+') t.erase(0, 1);
  if (t.empty()) return false;
  const char* b = t.data();
  const auto [ptr, ec] = std::from_chars(b, b + t.size(), out);
  return ec == std::errc() && ptr == b + t.size();
}
bool ParseLong(const std::string& text, long& out) {
  double d = 0;
  // Whole numbers within +-1e15 only: casting a larger double is undefined
  // (the fuzzer found "1e300" as a channel count).
  if (!ParseDouble(text, d) || d != std::floor(d) || std::fabs(d) > 1e15) return false;
  out = static_cast<long>(d);
  return true;
}
// "hh:mm:ss.ffffff" of a time stamp line, in seconds of the day.
bool ParseTimeOfDay(const std::string& line, double& seconds) {
  const auto f = Fields(line);
  if (f.size() < 2) return false;
  int hh = 0, mm = 0;
  double ss = 0;
  char c1 = 0, c2 = 0;
  std::istringstream in(f[1]);
  in >> hh >> c1 >> mm >> c2 >> ss;
  if (!in || c1 != ':' || c2 != ':') return false;
  seconds = hh * 3600.0 + mm * 60.0 + ss;
  return true;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t nl = text.find('\n', start);
    std::string line = text.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
    while (!line.empty() && (line.back() == '\r')) line.pop_back();
    lines.push_back(line);
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
  // Trailing blank lines and substitution characters.
  while (!lines.empty() && Trim(lines.back()).empty()) lines.pop_back();
  return lines;
}

bool ReadFile(const std::string& path, std::vector<char>& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  out.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return !in.bad();
}

// Parses the configuration lines; `first_line` numbers them in the file.
bool ParseConfig(const std::vector<std::string>& lines, long first_line, const std::string& file, ComtradeConfig& cfg,
                 SourceError& err) {
  std::size_t k = 0;
  const auto fail = [&](const std::string& msg, int column = 0) {
    err = {file, first_line + static_cast<long>(k), column, msg};
    return false;
  };
  const auto next = [&](const char* what) -> const std::string* {
    if (k >= lines.size()) {
      err = {file, first_line + static_cast<long>(k), 0,
             std::string("unexpected end of configuration: expected ") + what};
      return nullptr;
    }
    return &lines[k];
  };
  const std::string* line = next("station,device,revision");
  if (!line) return false;
  auto f = Fields(*line);
  cfg.station = f[0];
  cfg.device = f.size() > 1 ? f[1] : "";
  if (f.size() > 2 && !f[2].empty()) {
    long year = 0;
    if (!ParseLong(f[2], year) || (year != 1991 && year != 1999 && year != 2013))
      return fail("revision year '" + f[2] + "' is not 1991, 1999 or 2013", 3);
    cfg.rev_year = static_cast<int>(year);
  }
  ++k;
  if (!(line = next("TT,nnA,nnD"))) return false;
  f = Fields(*line);
  long total = 0, analog = 0, digital = 0;
  if (f.size() < 3 || !ParseLong(f[0], total) || f[1].empty() || f[2].empty() ||
      std::toupper(static_cast<unsigned char>(f[1].back())) != 'A' ||
      std::toupper(static_cast<unsigned char>(f[2].back())) != 'D' ||
      !ParseLong(f[1].substr(0, f[1].size() - 1), analog) || !ParseLong(f[2].substr(0, f[2].size() - 1), digital) ||
      analog + digital != total || analog < 0 || digital < 0 || analog > 4096 || digital > 65536) {
    return fail("channel counts: expected 'TT,nnA,nnD' with TT = nn + nn, got '" + *line + "'");
  }
  cfg.digital_count = static_cast<int>(digital);
  ++k;
  for (long a = 0; a < analog; ++a, ++k) {
    if (!(line = next("an analog channel line"))) return false;
    f = Fields(*line);
    if (f.size() < 10)
      return fail("analog channel: expected at least 10 fields (An,ch_id,ph,ccbm,uu,a,b,skew,min,max), got " +
                  std::to_string(f.size()));
    ComtradeAnalog ch;
    long index = 0;
    if (!ParseLong(f[0], index)) return fail("analog channel index '" + f[0] + "' is not a number", 1);
    ch.index = static_cast<int>(index);
    ch.id = f[1];
    ch.ph = f[2];
    ch.ccbm = f[3];
    ch.units = f[4];
    const char* names[] = {"a", "b", "skew", "min", "max"};
    double* dest[] = {&ch.a, &ch.b, &ch.skew, &ch.min, &ch.max};
    for (int j = 0; j < 5; ++j) {
      if (!ParseDouble(f[static_cast<std::size_t>(5 + j)], *dest[j])) {
        return fail(std::string("analog channel ") + std::to_string(index) + ": field '" + names[j] +
                        "' is not a number: '" + f[static_cast<std::size_t>(5 + j)] + "'",
                    6 + j);
      }
    }
    if (f.size() >= 13) {
      if (!ParseDouble(f[10], ch.primary) || !ParseDouble(f[11], ch.secondary) || !(ch.primary > 0) ||
          !(ch.secondary > 0)) {
        return fail("analog channel " + std::to_string(index) + ": primary/secondary must be positive numbers", 11);
      }
      const char ps = f[12].empty() ? 'P' : static_cast<char>(std::toupper(static_cast<unsigned char>(f[12][0])));
      if (ps != 'P' && ps != 'S')
        return fail("analog channel " + std::to_string(index) + ": PS must be P or S, got '" + f[12] + "'", 13);
      ch.ps = ps;
    }
    const std::string u = Lower(ch.units);
    ch.scale = (u == "kv" || u == "ka") ? 1000.0 : 1.0;
    if (ch.ps == 'S') ch.scale *= ch.primary / ch.secondary;
    cfg.analog.push_back(ch);
  }
  k += static_cast<std::size_t>(digital);  // status channels: not used by a meter
  if (!(line = next("line frequency"))) return false;
  if (!ParseDouble(*line, cfg.line_frequency)) return fail("line frequency '" + *line + "' is not a number");
  ++k;
  if (!(line = next("nrates"))) return false;
  long nrates = 0;
  if (!ParseLong(*line, nrates) || nrates < 0 || nrates > 1000) return fail("nrates '" + *line + "' is not a count");
  ++k;
  for (long r = 0; r < std::max(nrates, 1L); ++r, ++k) {
    if (!(line = next("samp,endsamp"))) return false;
    f = Fields(*line);
    double samp = 0;
    long end = 0;
    if (f.size() < 2 || !ParseDouble(f[0], samp) || !ParseLong(f[1], end))
      return fail("rate line: expected 'samp,endsamp', got '" + *line + "'");
    if (r == 0) cfg.sample_rate = samp;
    if (nrates > 0 && samp != cfg.sample_rate)
      return fail("more than one sample rate in one recording is not supported");
    cfg.last_sample = end;
  }
  if (!(line = next("first time stamp"))) return false;
  double t0 = 0, t1 = 0;
  const bool have_times = ParseTimeOfDay(*line, t0);
  ++k;
  if (!(line = next("trigger time stamp"))) return false;
  (void)ParseTimeOfDay(*line, t1);
  ++k;
  if (!(line = next("file type"))) return false;
  const std::string ft = Lower(Trim(*line));
  if (ft == "ascii")
    cfg.file_type = "ASCII";
  else if (ft == "binary")
    cfg.file_type = "BINARY";
  else if (ft == "binary32")
    cfg.file_type = "BINARY32";
  else if (ft == "float32")
    cfg.file_type = "FLOAT32";
  else
    return fail("file type '" + *line + "' is not ASCII, BINARY, BINARY32 or FLOAT32");
  ++k;
  if (k < lines.size()) {
    double tm = 1;
    if (ParseDouble(lines[k], tm) && tm > 0) cfg.timemult = tm;
  }
  (void)have_times;
  return true;
}

}  // namespace

bool ComtradeAnalog::is_voltage() const {
  const std::string u = Lower(units);
  return u == "v" || u == "kv";
}
bool ComtradeAnalog::is_current() const {
  const std::string u = Lower(units);
  return u == "a" || u == "ka";
}

std::unique_ptr<ComtradeSource> ComtradeSource::Open(const std::string& path, const std::string& map_spec,
                                                     SourceError& err, const std::string& dat_path) {
  std::unique_ptr<ComtradeSource> src(new ComtradeSource());
  std::vector<char> bytes;
  if (!ReadFile(path, bytes)) {
    err = {path, 0, 0, "cannot open file"};
    return nullptr;
  }
  const std::string ext = Lower(std::filesystem::path(path).extension().string());
  std::vector<std::string> cfg_lines;
  long cfg_first_line = 1;
  if (ext == ".cff") {
    // Sections "--- file type: CFG ---", ..., "--- file type: DAT <TYPE>[: bytes] ---".
    const std::string text(bytes.begin(), bytes.end());
    const auto find_section = [&](const std::string& name, std::size_t from) {
      std::size_t p = from;
      while ((p = text.find("--- file type:", p)) != std::string::npos) {
        const std::size_t eol = text.find('\n', p);
        const std::string header = Lower(text.substr(p, eol == std::string::npos ? std::string::npos : eol - p));
        if (header.find(Lower(name)) != std::string::npos) return p;
        p = eol == std::string::npos ? text.size() : eol;
      }
      return std::string::npos;
    };
    const std::size_t cfg_at = find_section("cfg", 0);
    const std::size_t dat_at = find_section("dat", 0);
    if (cfg_at == std::string::npos || dat_at == std::string::npos) {
      err = {path, 0, 0,
             "not a COMTRADE .cff: missing '--- file type: CFG ---' or '--- file type: DAT ... ---' section"};
      return nullptr;
    }
    const std::size_t cfg_start = text.find('\n', cfg_at) + 1;
    const std::size_t cfg_end = text.find("--- file type:", cfg_start);
    cfg_first_line = 1 + static_cast<long>(std::count(text.begin(), text.begin() + static_cast<long>(cfg_start), '\n'));
    cfg_lines = Lines(text.substr(cfg_start, cfg_end - cfg_start));
    const std::size_t dat_eol = text.find('\n', dat_at);
    const std::size_t dat_start = dat_eol == std::string::npos ? text.size() : dat_eol + 1;
    src->dat_.assign(bytes.begin() + static_cast<long>(dat_start), bytes.end());
    src->dat_name_ = path + " (DAT section)";
    src->line_ = 1 + static_cast<long>(std::count(text.begin(), text.begin() + static_cast<long>(dat_start), '\n')) - 1;
  } else {
    cfg_lines = Lines(std::string(bytes.begin(), bytes.end()));
  }
  if (!ParseConfig(cfg_lines, cfg_first_line, path, src->cfg_, err)) return nullptr;
  ComtradeConfig& cfg = src->cfg_;

  if (ext != ".cff") {
    std::filesystem::path dat = path;
    for (const char* e : {".dat", ".DAT", ".Dat"}) {
      dat.replace_extension(e);
      if (std::filesystem::exists(dat)) break;
    }
    src->dat_name_ = dat_path.empty() ? dat.string() : dat_path;
    if (!ReadFile(src->dat_name_, src->dat_)) {
      err = {src->dat_name_, 0, 0, "cannot open the data file beside " + path};
      return nullptr;
    }
    src->line_ = 0;
  }

  // Sample rate: the rate line, else the time stamps of the first records.
  const std::size_t k = cfg.analog.size();
  const std::size_t status_words = (static_cast<std::size_t>(cfg.digital_count) + 15) / 16;
  const std::size_t value_bytes = cfg.file_type == "BINARY" ? 2 : 4;
  src->record_bytes_ = cfg.file_type == "ASCII" ? 0 : 8 + k * value_bytes + 2 * status_words;
  if (!(cfg.sample_rate > 0)) {
    std::string why;
    cfg.sample_rate = RateFromTimeStamps(src->TimeStamps(), cfg.timemult, why);
    if (!(cfg.sample_rate > 0)) {
      err = {path, 0, 0, "no sample rate: nrates is 0 and " + why};
      return nullptr;
    }
    src->rate_from_stamps_ = true;
  }
  if (cfg.file_type != "ASCII" && src->dat_.size() % src->record_bytes_ != 0) {
    err = {src->dat_name_, 0, 0,
           "data size " + std::to_string(src->dat_.size()) + " bytes is not a whole number of " +
               std::to_string(src->record_bytes_) + "-byte records (" + std::to_string(k) + " analog, " +
               std::to_string(cfg.digital_count) + " status channels, " + cfg.file_type + ")"};
    return nullptr;
  }

  // Channel map: explicit, or by phase field and units (or ids like IA, VB).
  if (!map_spec.empty()) {
    InputMapSpec spec;
    if (const std::string problem = ParseInputMap(map_spec, spec); !problem.empty()) {
      err = {path, 0, 0, "--map: " + problem};
      err.in_option = true;
      return nullptr;
    }
    for (std::size_t slot = 0; slot < spec.size(); ++slot) {
      const std::string& value = spec[slot];
      if (value.empty()) continue;
      int found = -1;
      long index = 0;
      for (std::size_t c = 0; c < k; ++c) {
        if (Lower(cfg.analog[c].id) == Lower(value)) found = static_cast<int>(c);
      }
      if (found < 0 && ParseLong(value, index) && index >= 1 && index <= static_cast<long>(k))
        found = static_cast<int>(index - 1);
      if (found < 0) {
        err = {path, 0, 0,
               std::string("--map: ") + kInputNames[slot] + "=" + value + ": no analog channel named or numbered '" +
                   value + "' (channels 1.." + std::to_string(k) + ")"};
        err.in_option = true;
        return nullptr;
      }
      src->map_[slot] = found;
    }
  } else {
    for (std::size_t c = 0; c < k; ++c) {
      const auto& ch = cfg.analog[c];
      std::string ph = Lower(ch.ph);
      const bool v = ch.is_voltage(), i = ch.is_current();
      if (ph.empty()) {
        // ids such as "IA", "VB_G1", "UC": kind letter then phase letter.
        const std::string id = Lower(ch.id);
        if (id.size() >= 2 && (id.size() == 2 || !std::isalnum(static_cast<unsigned char>(id[2]))) &&
            std::strchr("abcn", id[1]) != nullptr && std::strchr("viu", id[0]) != nullptr) {
          ph = id.substr(1, 1);
        }
      }
      if (ph.size() != 1 || !(v || i)) continue;
      const int phase = ph[0] == 'a' ? 0 : ph[0] == 'b' ? 1 : ph[0] == 'c' ? 2 : ph[0] == 'n' ? 3 : -1;
      if (phase < 0) continue;
      const std::size_t slot = phase == 3 ? (v ? 6u : 7u) : static_cast<std::size_t>(phase + (v ? 0 : 3));
      if (src->map_[slot] < 0) src->map_[slot] = static_cast<int>(c);
    }
  }
  src->values_.resize(k);
  return src;
}

std::vector<ChannelChoice> ComtradeSource::DoChannels() const {
  std::vector<ChannelChoice> out;
  for (std::size_t slot = 0; slot < map_.size(); ++slot) {
    if (map_[slot] < 0) continue;
    const auto& ch = cfg_.analog[static_cast<std::size_t>(map_[slot])];
    out.push_back({kInputNames[slot], ch.id, ch.units});
  }
  return out;
}

std::vector<std::string> ComtradeSource::KindMismatches() const {
  std::vector<std::string> out;
  for (std::size_t slot = 0; slot < map_.size(); ++slot) {
    if (map_[slot] < 0) continue;
    const auto& ch = cfg_.analog[static_cast<std::size_t>(map_[slot])];
    const bool wants_voltage = IsVoltageInput(static_cast<int>(slot));
    if (wants_voltage ? ch.is_current() : ch.is_voltage()) {
      out.push_back(std::string(kInputNames[slot]) + " (a " + (wants_voltage ? "voltage" : "current") +
                    ") is fed channel " + std::to_string(ch.index) + " '" + ch.id + "' in " + ch.units);
    }
  }
  return out;
}

long ComtradeSource::DataRecords() const {
  if (cfg_.file_type != "ASCII") return record_bytes_ > 0 ? static_cast<long>(dat_.size() / record_bytes_) : 0;
  long records = 0;
  for (const auto& line : Lines(std::string(dat_.begin(), dat_.end()))) records += Trim(line).empty() ? 0 : 1;
  return records;
}

std::vector<double> ComtradeSource::TimeStamps() const {
  std::vector<double> stamps;
  if (cfg_.file_type == "ASCII") {
    for (const auto& line : Lines(std::string(dat_.begin(), dat_.end()))) {
      if (Trim(line).empty()) continue;
      const auto f = Fields(line);
      double t = 0;
      if (f.size() < 2 || !ParseDouble(f[1], t)) break;
      stamps.push_back(t);
    }
  } else if (record_bytes_ > 0) {
    for (std::size_t at = 0; at + record_bytes_ <= dat_.size(); at += record_bytes_) {
      std::uint32_t ts = 0;
      std::memcpy(&ts, dat_.data() + at + 4, 4);
      stamps.push_back(ts);
    }
  }
  return stamps;
}

double RateFromTimeStamps(std::vector<double> stamps, double timemult, std::string& why) {
  if (stamps.size() < 2) {
    why = "the data has fewer than two time stamps";
    return 0;
  }
  // Recorders' counters wrap, at 2^32 or at a narrower width inside the
  // 32-bit field (a real 5760 Hz record wraps at 2^16 every 378 samples):
  // a stamp below its predecessor adds the counter's modulus, the power of
  // two above the largest stamp.
  const double largest = *std::max_element(stamps.begin(), stamps.end());
  const double modulus = largest >= 1.0 ? std::exp2(std::ceil(std::log2(largest + 1.0))) : 1.0;
  double offset = 0;
  for (std::size_t k = 1; k < stamps.size(); ++k) {
    if (stamps[k] + offset < stamps[k - 1]) offset += modulus;
    stamps[k] += offset;
  }
  // Least-squares slope of stamp against sample number: each stamp is
  // rounded to its unit, which a slope over all of them averages away
  // (the first interval alone said 5747.13 Hz for a 5760 Hz record).
  const double n = static_cast<double>(stamps.size());
  const double mean_k = (n - 1.0) / 2.0;
  double mean_t = 0;
  for (double t : stamps) mean_t += t / n;
  double num = 0, den = 0;
  for (std::size_t k = 0; k < stamps.size(); ++k) {
    const double dk = static_cast<double>(k) - mean_k;
    num += dk * (stamps[k] - mean_t);
    den += dk * dk;
  }
  const double step_us = num / den * timemult;
  if (!(step_us > 0) || !std::isfinite(step_us)) {
    why = "its time stamps do not advance";
    return 0;
  }
  const double rate = 1e6 / step_us;
  // To the digits the stamps determine: a slope through n stamps of unit u
  // (rounded, so uniform error of u/sqrt(12)) has a standard deviation of
  // u / sqrt(n (n^2 - 1)); the rate is rounded to a tenth of that, at most.
  const double sigma_rate = rate * rate * 1e-6 * timemult / std::sqrt(n * (n * n - 1.0));
  const double digits = -std::ceil(std::log10(sigma_rate / 10.0));  // decimals kept
  if (digits <= 0) return std::round(rate * std::pow(10.0, digits)) / std::pow(10.0, digits);
  const double scale = std::pow(10.0, digits);  // exact: divide by it, never multiply by its inverse
  return std::round(rate * scale) / scale;
}

std::vector<std::string> ComtradeSource::unmapped(int phases) const {
  std::vector<std::string> out;
  for (int p = 0; p < phases; ++p) {
    for (int kind = 0; kind < 2; ++kind) {
      if (map_[static_cast<std::size_t>(p + 3 * kind)] < 0) out.emplace_back(kInputNames[p + 3 * kind]);
    }
  }
  return out;
}

bool ComtradeSource::NextRecordValues(std::vector<double>& values) {
  const std::size_t k = cfg_.analog.size();
  if (cfg_.file_type == "ASCII") {
    for (;;) {
      if (pos_ >= dat_.size()) return false;
      std::size_t nl = pos_;
      while (nl < dat_.size() && dat_[nl] != '\n') ++nl;
      std::string line(dat_.data() + pos_, nl - pos_);
      pos_ = nl + 1;
      ++line_;
      while (!line.empty() && line.back() == '\r') line.pop_back();
      if (Trim(line).empty()) continue;  // blank lines, trailing 0x1A
      const auto f = Fields(line);
      if (f.size() < 2 + k) {
        error_ = {dat_name_, line_, 0,
                  "record has " + std::to_string(f.size()) + " fields, expected n,timestamp and " + std::to_string(k) +
                      " analog values" + (cfg_.digital_count ? " and status values" : "")};
        return false;
      }
      for (std::size_t c = 0; c < k; ++c) {
        double x = 0;
        if (f[2 + c].empty()) {
          values[c] = kNaN;  // missing
          continue;
        }
        if (!ParseDouble(f[2 + c], x)) {
          error_ = {dat_name_, line_, static_cast<int>(3 + c),
                    "channel " + std::to_string(cfg_.analog[c].index) + " (" + cfg_.analog[c].id +
                        "): not a number: '" + f[2 + c] + "'"};
          return false;
        }
        values[c] = x == 99999.0 ? kNaN : x;
      }
      return true;
    }
  }
  if (pos_ + record_bytes_ > dat_.size()) return false;
  const char* r = dat_.data() + pos_ + 8;
  for (std::size_t c = 0; c < k; ++c) {
    if (cfg_.file_type == "BINARY") {
      std::int16_t x;
      std::memcpy(&x, r + 2 * c, 2);
      values[c] = x == INT16_MIN ? kNaN : x;
    } else if (cfg_.file_type == "BINARY32") {
      std::int32_t x;
      std::memcpy(&x, r + 4 * c, 4);
      values[c] = x == INT32_MIN ? kNaN : x;
    } else {
      float x;
      std::memcpy(&x, r + 4 * c, 4);
      values[c] = x;
    }
  }
  pos_ += record_bytes_;
  return true;
}

SampleSource::Read ComtradeSource::DoNext(SampleFrame& frame) {
  if (!NextRecordValues(values_)) return error_.message.empty() ? Read::kEnd : Read::kError;
  ++record_;
  const auto value = [&](int slot) {
    const int c = map_[static_cast<std::size_t>(slot)];
    if (c < 0) return 0.0;
    const auto& ch = cfg_.analog[static_cast<std::size_t>(c)];
    return (ch.a * values_[static_cast<std::size_t>(c)] + ch.b) * ch.scale;
  };
  const double vn = value(6);
  for (int p = 0; p < 3; ++p) {
    frame.v[static_cast<std::size_t>(p)] = static_cast<float>(value(p) - vn);
    frame.i[static_cast<std::size_t>(p)] = static_cast<float>(value(3 + p));
  }
  return Read::kFrame;
}

double ComtradeSource::DoProgress() const {
  return dat_.empty() ? 1.0 : std::min(1.0, static_cast<double>(pos_) / static_cast<double>(dat_.size()));
}

}  // namespace meter::host_sim
