#pragma once
// CSV recordings: a header row naming the columns, then one row per sample.
// Recognised columns (any order, case-insensitive): va vb vc ia ib ic, and
// optionally vn (subtracted from each phase voltage: recordings made against
// ground) and in (a measured neutral; the meter computes its own from the
// phase currents, so it is read and checked but not used). Other columns
// are ignored, unless `--map va=COLUMN,...` names them (a column name or
// its 1-based number). Values are primary volts and amperes.

#include <fstream>
#include <memory>
#include <string>

#include "meter/host_sim/sample_source.h"
#include "meter/metering/config.h"

namespace meter::host_sim {

class CsvSource final : public SampleSource {
 public:
  /// Opens `path` and reads its header, requiring the columns `wiring` uses.
  /// @returns nullptr and fills `error` if the file cannot be opened, has no
  /// header, or lacks a required column, or `map_spec` names a column the
  /// header does not have (then `error.in_option`).
  static std::unique_ptr<CsvSource> Open(const std::string& path, Wiring wiring, SourceError& error,
                                         const std::string& map_spec = "");

 private:
  CsvSource() = default;
  Read DoNext(SampleFrame& frame) override;
  double DoProgress() const override;
  std::vector<ChannelChoice> DoChannels() const override;
  bool ParseRow(const std::string& line, SampleFrame& frame);

  std::string path_;
  std::ifstream in_;
  std::uintmax_t size_ = 0;
  std::uintmax_t consumed_ = 0;
  long line_number_ = 0;
  int field_count_ = 0;
  int phases_ = 3;
  // Column index of va vb vc ia ib ic vn in, -1 when absent.
  int column_[8] = {-1, -1, -1, -1, -1, -1, -1, -1};
  std::string header_names_[64];
};

}  // namespace meter::host_sim
