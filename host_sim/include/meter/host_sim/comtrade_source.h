#pragma once
// COMTRADE recordings (IEEE C37.111-1991/1999/2013, IEC 60255-24): the .cfg
// + .dat pair (ASCII, BINARY, BINARY32, FLOAT32) or the 2013 single .cff.
// Values in units uu are a * raw + b; secondary values (PS = S) are scaled
// to primary by primary/secondary; kV and kA become V and A. Missing values
// (99999 or an empty field in ASCII, 0x8000 in BINARY, 0x80000000 in
// BINARY32) become NaN, which the meter flags and holds. Configuration text
// may be ASCII, UTF-8 or ISO-8859-1 (names are only compared byte-wise);
// CR/LF line ends and trailing substitution characters (0x1A) are accepted.

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "meter/host_sim/sample_source.h"

namespace meter::host_sim {

struct ComtradeAnalog {
  int index = 0;  ///< An, 1-based
  std::string id, ph, ccbm, units;
  double a = 1, b = 0, skew = 0, min = 0, max = 0, primary = 1, secondary = 1;
  char ps = 'P';
  double scale = 1;  ///< to SI primary units: kV/kA x1000, secondary x primary/secondary
  bool is_voltage() const;
  bool is_current() const;
};

struct ComtradeConfig {
  std::string station, device;
  int rev_year = 1991;
  std::vector<ComtradeAnalog> analog;
  int digital_count = 0;
  double line_frequency = 0;
  double sample_rate = 0;  ///< from the rate lines, or the time stamps when there are none
  long last_sample = 0;
  std::string file_type;  ///< ASCII, BINARY, BINARY32, FLOAT32
  double timemult = 1;
};

/// Which recording channel feeds each meter input: va vb vc ia ib ic vn in;
/// -1 = not recorded (fed zeros).
using ChannelMap = std::array<int, 8>;

class ComtradeSource final : public SampleSource {
 public:
  /// Opens FILE.cfg (with FILE.dat beside it) or FILE.cff. `map_spec` is
  /// "va=ID,vb=ID,..." with channel ids or 1-based indexes; empty: map by
  /// the phase field and units (or ids like IA, VB).
  /// @returns nullptr and fills `error` (file, line, field) on any problem.
  /// `dat_path`: the data file when it is not FILE.dat beside FILE.cfg.
  static std::unique_ptr<ComtradeSource> Open(const std::string& path, const std::string& map_spec, SourceError& error,
                                              const std::string& dat_path = "");

  const ComtradeConfig& config() const { return cfg_; }
  const ChannelMap& map() const { return map_; }
  /// Meter inputs no channel feeds (fed zeros), for a warning.
  std::vector<std::string> unmapped(int phases) const;
  /// Inputs fed a channel of the other kind (a voltage input from a channel
  /// in amperes, or the reverse), described for a warning.
  std::vector<std::string> KindMismatches() const;
  /// Records the data part holds (the .cfg's end-sample number may differ).
  long DataRecords() const;
  /// The rate came from the time stamps (nrates 0), not a rate line.
  bool rate_from_stamps() const { return rate_from_stamps_; }

 private:
  ComtradeSource() = default;
  Read DoNext(SampleFrame& frame) override;
  double DoProgress() const override;
  bool NextRecordValues(std::vector<double>& values);
  std::vector<ChannelChoice> DoChannels() const override;
  std::vector<double> TimeStamps() const;

  ComtradeConfig cfg_;
  ChannelMap map_{-1, -1, -1, -1, -1, -1, -1, -1};
  std::string dat_name_;
  std::vector<char> dat_;  // the data part, whole (recordings are small)
  std::size_t pos_ = 0;
  long record_ = 0;
  long line_ = 0;  // ASCII: line number in the data part
  std::size_t record_bytes_ = 0;
  std::vector<double> values_;
  bool rate_from_stamps_ = false;
};

/// The sample rate of records whose time stamps (in units of `timemult`
/// microseconds) are the only time base: wraps of the stamps' counter
/// undone, the least-squares slope over every stamp, rounded to the digits
/// the stamps determine. @returns 0 with `why` set when they give none.
double RateFromTimeStamps(std::vector<double> stamps, double timemult, std::string& why);

}  // namespace meter::host_sim
