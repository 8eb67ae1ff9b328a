#include "meter/host_sim/csv_source.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <filesystem>

namespace meter::host_sim {
namespace {

constexpr int kVn = 6;
constexpr int kMaxFields = 64;

std::string Trim(std::string_view s) {
  std::size_t b = 0, e = s.size();
  while (b < e && (std::isspace(static_cast<unsigned char>(s[b])) || s[b] == '"')) ++b;
  while (e > b && (std::isspace(static_cast<unsigned char>(s[e - 1])) || s[e - 1] == '"')) --e;
  return std::string(s.substr(b, e - b));
}

// Splits on commas; returns the number of fields (capped at kMaxFields + 1).
int Split(const std::string& line, std::string_view* fields) {
  int n = 0;
  std::size_t start = 0;
  for (;;) {
    const std::size_t comma = line.find(',', start);
    if (n <= kMaxFields)
      fields[n] = std::string_view(line).substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    ++n;
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return n;
}

void StripLineEnd(std::string& line) {
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.pop_back();
}

}  // namespace

std::unique_ptr<CsvSource> CsvSource::Open(const std::string& path, Wiring wiring, SourceError& error,
                                           const std::string& map_spec) {
  error = SourceError{path, 0, 0, ""};
  InputMapSpec spec;
  if (const std::string problem = ParseInputMap(map_spec, spec); !problem.empty()) {
    error.message = "--map: " + problem;
    error.in_option = true;
    return nullptr;
  }
  std::unique_ptr<CsvSource> src(new CsvSource());
  src->path_ = path;
  src->in_.open(path, std::ios::binary);
  if (!src->in_) {
    error.message = "cannot open file";
    return nullptr;
  }
  std::error_code ec;
  src->size_ = std::filesystem::file_size(path, ec);
  if (ec) src->size_ = 0;

  std::string header;
  if (!std::getline(src->in_, header)) {
    error.message = "empty file (0 samples): expected a header row naming the columns (va,vb,vc,ia,ib,ic)";
    return nullptr;
  }
  src->consumed_ += header.size() + 1;
  src->line_number_ = 1;
  if (header.size() >= 3 && static_cast<unsigned char>(header[0]) == 0xEF) header.erase(0, 3);  // UTF-8 BOM
  StripLineEnd(header);
  std::string_view fields[kMaxFields + 1];
  const int n = Split(header, fields);
  if (n > kMaxFields) {
    error.line = 1;
    error.message = "too many columns (at most " + std::to_string(kMaxFields) + ")";
    return nullptr;
  }
  src->field_count_ = n;
  for (int f = 0; f < n; ++f) {
    std::string name = Trim(fields[f]);
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    src->header_names_[f] = name;
    for (int c = 0; c < 8; ++c) {
      if (name == kInputNames[static_cast<std::size_t>(c)]) {
        if (src->column_[c] >= 0) {
          error.line = 1;
          error.column = f + 1;
          error.message = "column '" + name + "' appears twice";
          return nullptr;
        }
        src->column_[c] = f;
      }
    }
  }
  // --map names a column (case-insensitive) or its 1-based number; it wins
  // over a column that carries the input's own name.
  for (std::size_t slot = 0; slot < spec.size(); ++slot) {
    if (spec[slot].empty()) continue;
    std::string wanted = spec[slot];
    std::transform(wanted.begin(), wanted.end(), wanted.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    int found = -1;
    for (int f = 0; f < n; ++f) {
      if (src->header_names_[f] == wanted) found = f;
    }
    int number = 0;
    const auto [ptr, parse] = std::from_chars(wanted.data(), wanted.data() + wanted.size(), number);
    if (found < 0 && parse == std::errc() && ptr == wanted.data() + wanted.size() && number >= 1 && number <= n)
      found = number - 1;
    if (found < 0) {
      error.message = std::string("--map: ") + kInputNames[slot] + "=" + spec[slot] +
                      ": no column named or numbered '" + spec[slot] + "' (columns 1.." + std::to_string(n) +
                      "; header is: " + header + ")";
      error.in_option = true;
      return nullptr;
    }
    src->column_[slot] = found;
  }
  src->phases_ = PhaseCount(wiring);
  for (int p = 0; p < src->phases_; ++p) {
    for (int c : {p, 3 + p}) {
      if (src->column_[c] < 0) {
        error.line = 1;
        error.message = std::string("missing column '") + kInputNames[static_cast<std::size_t>(c)] + "' (wiring " +
                        std::string(WiringName(wiring)) + " needs " +
                        (src->phases_ == 1   ? "va,ia"
                         : src->phases_ == 2 ? "va,vb,ia,ib"
                                             : "va,vb,vc,ia,ib,ic") +
                        "); header is: " + header;
        return nullptr;
      }
    }
  }
  return src;
}

bool CsvSource::ParseRow(const std::string& line, SampleFrame& frame) {
  std::string_view fields[kMaxFields + 1];
  const int n = Split(line, fields);
  if (n != field_count_) {
    error_ = {path_, line_number_, 0,
              "ragged row: " + std::to_string(n) + " fields, the header has " + std::to_string(field_count_)};
    return false;
  }
  double values[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  for (int c = 0; c < 8; ++c) {
    const int col = column_[c];
    if (col < 0) continue;
    if (c < 6 && (c % 3) >= phases_) continue;
    const std::string text = Trim(fields[col]);
    const char* begin = text.data();
    const char* end = begin + text.size();
    if (!text.empty() && *begin == '+') ++begin;
    double v = 0;
    const auto [ptr, ec] = std::from_chars(begin, end, v);
    if (text.empty() || ec != std::errc() || ptr != end) {
      error_ = {path_, line_number_, col + 1, "column '" + header_names_[col] + "': not a number: '" + text + "'"};
      return false;
    }
    values[c] = v;
  }
  for (int p = 0; p < 3; ++p) {
    const double vn = column_[kVn] >= 0 ? values[kVn] : 0.0;
    frame.v[static_cast<std::size_t>(p)] = static_cast<float>(values[p] - vn);
    frame.i[static_cast<std::size_t>(p)] = static_cast<float>(values[3 + p]);
  }
  return true;
}

SampleSource::Read CsvSource::DoNext(SampleFrame& frame) {
  std::string line;
  while (std::getline(in_, line)) {
    consumed_ += line.size() + 1;
    ++line_number_;
    StripLineEnd(line);
    if (Trim(line).empty()) continue;  // blank lines (often a trailing one)
    return ParseRow(line, frame) ? Read::kFrame : Read::kError;
  }
  if (in_.bad()) {
    error_ = {path_, line_number_, 0, "read error"};
    return Read::kError;
  }
  return Read::kEnd;
}

std::vector<ChannelChoice> CsvSource::DoChannels() const {
  std::vector<ChannelChoice> out;
  for (int c = 0; c < 8; ++c) {
    if (column_[c] < 0 || (c < 6 && (c % 3) >= phases_)) continue;
    out.push_back({kInputNames[static_cast<std::size_t>(c)], header_names_[column_[c]], ""});
  }
  return out;
}

double CsvSource::DoProgress() const {
  return size_ > 0 ? std::min(1.0, static_cast<double>(consumed_) / static_cast<double>(size_)) : 0.0;
}

}  // namespace meter::host_sim
