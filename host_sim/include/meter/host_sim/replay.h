#pragma once
// Replays a sample source through a meter and hands every result to a sink.

#include <ostream>
#include <vector>

#include "meter/host_sim/sample_source.h"
#include "meter/metering/meter.h"

namespace meter::host_sim {

struct ReplaySummary {
  long frames = 0;
  long windows = 0;
  double duration_s = 0;
  std::vector<double> f_hz_10s;  ///< One value per completed 10 s interval (NaN when none).
};

class ReplaySink {
 public:
  virtual ~ReplaySink() = default;
  /// `t_s`: end of the window, seconds from the first sample.
  virtual void OnWindow(const WindowResult& w, const HarmonicSpectrum& spectrum, double t_s) = 0;
  virtual void OnAggregate(const AggregateResult& a, double t_s) = 0;
  virtual void OnSummary(const ReplaySummary& s) = 0;
};

/// Called now and then with the fraction of the input consumed.
using ProgressCallback = void (*)(double fraction);

/// Runs the whole source. @returns false with `error` set when the source
/// fails (the results up to that point have been delivered).
bool Replay(SampleSource& source, Meter& meter, ReplaySink& sink, ReplaySummary& summary, SourceError& error,
            ProgressCallback progress = nullptr);

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

/// Flag names of a flag word, in bit order.
std::vector<std::string> FlagNames(std::uint32_t flags);

}  // namespace meter::host_sim
