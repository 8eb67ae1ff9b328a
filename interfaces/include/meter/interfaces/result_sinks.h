#pragma once
// What a run of the meter produces and how it is written: the end-of-run
// summary, the sink interface, JSON lines and a table. meter-sim (host_sim),
// the Python package and meter-linux (firmware_hal/linux) all write through
// it, so their outputs compare field by field, and meter-linux needs nothing
// from host_sim. Depends on the metering core, fmt and nlohmann-json only.

#include <array>
#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "meter/hal/pulse_output.h"
#include "meter/interfaces/result_json.h"
#include "meter/metering/energy_meter.h"
#include "meter/metering/meter.h"

namespace meter::interfaces {

/// Which recording channel feeds a meter input, for the log line and the
/// JSON summary: `channel` as the file names it (COMTRADE id, CSV column,
/// WAV channel number), `units` where the file states them.
struct ChannelChoice {
  std::string input;
  std::string channel;
  std::string units;
};

struct ReplaySummary {
  long frames = 0;
  long windows = 0;
  double duration_s = 0;
  double rate_hz = 0;  ///< The sample rate used, exactly as configured.
  double nominal_hz = 0;
  std::vector<ChannelChoice> channels;     ///< Which recording channel fed each input (empty: not known).
  std::array<long, 32> windows_flagged{};  ///< Windows carrying each flag bit.
  double last_mismatch_f_hz = 0;           ///< Frequency of the last window flagged nominal_frequency_mismatch.
  std::vector<double> f_hz_10s;            ///< One value per completed 10 s interval (NaN when none).
  // Registers at the end, in kilo-units (unrounded), and the pulse count.
  struct PhaseEnergy {
    double kwh_imp = 0, kwh_exp = 0, kvarh_imp = 0, kvarh_exp = 0;
  };
  double kwh_imp = 0, kwh_exp = 0, kvarh_imp = 0, kvarh_exp = 0, kvah = 0;
  double kwh_q[4] = {}, kvarh_q[4] = {}, kvah_q[4] = {};
  std::vector<PhaseEnergy> phases;
  std::uint64_t pulses = 0;
  double import_s = 0, export_s = 0, on_s = 0;
};

class ReplaySink {
 public:
  virtual ~ReplaySink() = default;
  /// `t_s`: end of the window, seconds from the first sample.
  virtual void OnWindow(const WindowResult& w, const HarmonicSpectrum& spectrum, double t_s) = 0;
  virtual void OnAggregate(const AggregateResult& a, double t_s) = 0;
  virtual void OnSummary(const ReplaySummary& s) = 0;
};

/// A pulse output that counts, for replay summaries.
class CountingPulseOutput final : public hal::PulseOutput {
 public:
  std::uint64_t pulses() const { return pulses_; }

 private:
  void DoSet(bool active) override { pulses_ += active ? 1 : 0; }
  std::uint64_t pulses_ = 0;
};

/// Fills the summary's registers (kilo-units), hours and pulse count.
template <typename Numeric>
void FillEnergy(const BasicEnergyMeter<Numeric>& meter, const CountingPulseOutput* pulses, ReplaySummary& summary);

/// End of a window or aggregate, seconds from the first sample (gaps included).
double Seconds(std::uint64_t sample, float frac, std::uint64_t gaps, double rate);

/// JSON lines: {"type":"window",...} per window, then {"type":"summary",...}
/// (and {"type":"aggregate",...} per 150/180 cycles when asked for).
class JsonLinesSink final : public ReplaySink {
 public:
  JsonLinesSink(std::ostream& out, bool aggregates) : out_(out), aggregates_(aggregates) {}
  void OnWindow(const WindowResult& w, const HarmonicSpectrum& spectrum, double t_s) override;
  void OnAggregate(const AggregateResult& a, double t_s) override;
  void OnSummary(const ReplaySummary& s) override;

 private:
  std::ostream& out_;
  bool aggregates_;
};

/// A readable table per window for people at a terminal.
class TableSink final : public ReplaySink {
 public:
  explicit TableSink(std::ostream& out) : out_(out) {}
  void OnWindow(const WindowResult& w, const HarmonicSpectrum& spectrum, double t_s) override;
  void OnAggregate(const AggregateResult&, double) override {}
  void OnSummary(const ReplaySummary& s) override;

 private:
  std::ostream& out_;
};

}  // namespace meter::interfaces
