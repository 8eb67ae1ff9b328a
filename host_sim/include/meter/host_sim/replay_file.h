#pragma once
// Replaying one recording file as `meter-sim replay FILE` does: the reader
// chosen by the extension (COMTRADE .cfg/.cff, WAV, CSV), the rate and
// nominal frequency from the file unless given, the warnings and errors with
// their exact wording, the meter configured from the ratings. meter-sim and
// the Python package (host_sim/python/) both call it, so their results and
// messages are the same.

#include <ostream>
#include <string>

#include "meter/host_sim/replay.h"

namespace meter::host_sim {

struct ReplayOptions {
  std::string file;
  double rate = 0;
  std::string wiring = "3p4w";
  int nominal_hz = 50;
  bool json = false;
  bool aggregates = false;
  double un = 230.0;
  double in = 5.0;
  int max_order = 31;
  int pulse_wh = 0;
  std::string numeric = "float";
  std::string map;
  std::string dat;
  std::string scale;
  bool nominal_given = false;
  bool rate_given = false;
  bool no_progress = false;
  /// Called now and then with the fraction replayed (null: never).
  ProgressCallback progress = nullptr;
  std::string export_scan;
};

/// The energy meter's configuration for a replay: the ratings' defaults; the
/// float meter takes primary values up to the physical limits.
EnergyMeterConfig ReplayConfig(const ReplayOptions& options, bool float_meter);

/// Replays `options.file`. Results go to `sink`, or when it is null to
/// `out` (JSON lines with options.json, else a table); warnings and errors
/// go to `err`. @returns the exit status: 0, 1 (the data), 2 (an option).
int ReplayFile(ReplayOptions options, ReplaySink* sink, std::ostream& out, std::ostream& err, ReplaySummary& summary);

}  // namespace meter::host_sim
