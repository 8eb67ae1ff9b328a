#pragma once
// The IEC 62053-22 class 0.5S / IEC 62053-23 class 2 accuracy campaign on a
// simulated meter: front end, production-line calibration, then every test
// point as an energy measurement over a fixed time against the true energy
// of the simulated signal, computed independently in double precision.

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "meter/host_sim/front_end.h"

namespace meter::host_sim {

enum class AccuracyClass { k0_1S, k0_2S, k0_5S };
const char* ClassName(AccuracyClass c);

/// The no-load test's duration for class `c`, minutes: F 10^6 / (k m Un
/// Imax) with F 900 (0.1S, 0.2S) or 600 (0.5S), k pulses per kWh, m
/// measuring elements (IEC 62053-22:2003, 8.3.2; 0.1S assumed as 0.2S).
double NoLoadMinutes(AccuracyClass c, double pulses_per_kwh, int elements, double un_v, double imax_a);

struct CampaignOptions {
  FrontEndKind front_end = FrontEndKind::kMv5;
  AccuracyClass accuracy_class = AccuracyClass::k0_5S;
  bool q31 = false;
  double measure_s = 10.0;  ///< energy measurement time per point
  double settle_s = 1.0;
  double no_load_minutes = -1.0;  ///< < 0: the IEC 62053-22 duration
  double starting_s = 60.0;
  bool calibrate = true;       ///< false: the meter as it leaves assembly (for negative tests)
  double rated_primary_a = 0;  ///< MV5: the sensor's rated primary current, 1 A .. 10 kA (0: 100 A)
  double ct_ratio = 0;         ///< AV5: the CT ratio, 1 .. 2000 (0: 20, a 100/5 CT)
};

struct CampaignPoint {
  std::string test;      ///< e.g. "balanced", "element_b", "voltage_+10%", "no_load"
  std::string quantity;  ///< "active" or "reactive"
  std::string kind;      ///< "error" (against the true energy) or "variation" (against the reference point)
  double i_over_in = 0;
  std::string pf;  ///< "1", "0.5L", "0.8C"; reactive: "sin1", "sin0.5L", "sin0.5C"
  double f_hz = 50;
  double error_pct = 0;
  /// Limits for 0.1S, 0.2S, 0.5S (active) or class 2 (reactive, all three
  /// entries); NaN where the table has none.
  double limit_pct[3] = {0, 0, 0};
  double limit_pct_selected = 0;
  bool pass = false;
  std::string note;
};

struct Calibration {
  std::array<float, 3> v_gain{}, i_gain{}, phase_deg{};
  std::array<float, 6> offset{};
};

struct CampaignResult {
  CampaignOptions options;
  Calibration calibration;
  std::vector<CampaignPoint> points;
  bool pass = true;
  /// Pass/fail of every point against each class (NaN limits skipped).
  bool pass_class[3] = {true, true, true};
  /// The registers measured each point's time to within one cycle: the
  /// worst deviation, in cycles, and any point beyond one (a failure).
  double worst_time_error_cycles = 0;
  std::vector<std::string> time_failures;
};

/// Runs the whole campaign. Progress lines go to `log` when not null.
CampaignResult RunCampaign(const CampaignOptions& options, std::FILE* log);

/// Writes the JSON object of the contract.
std::string CampaignJson(const CampaignResult& r);
/// Writes report.md, points.csv and one PNG per power factor (gnuplot) to `dir`.
/// @returns an empty string or the error.
std::string WriteCampaignReport(const CampaignResult& r, const std::string& dir);

}  // namespace meter::host_sim
