#include "meter/host_sim/replay.h"

#include <cmath>
#include <type_traits>

namespace meter::host_sim {
AdcFrame QuantiseToAdc(const SampleFrame& x, float v_full_scale, float i_full_scale, int adc_bits) {
  const double full = std::ldexp(1.0, adc_bits - 1);
  const auto code = [&](float value, float fs) {
    const double q = std::nearbyint(static_cast<double>(value) / static_cast<double>(fs) * full);
    if (!(q == q)) return std::int32_t{0};  // NaN: the CSV reader already refuses it; never garbage
    return static_cast<std::int32_t>(std::fmax(-full, std::fmin(full - 1.0, q)));
  };
  AdcFrame out;
  for (std::size_t p = 0; p < 3; ++p) {
    out.v[p] = code(x.v[p], v_full_scale);
    out.i[p] = code(x.i[p], i_full_scale);
  }
  return out;
}

template <typename Numeric>
bool Replay(SampleSource& source, BasicEnergyMeter<Numeric>& em, ReplaySink& sink, ReplaySummary& summary,
            SourceError& error, ProgressCallback progress, const CountingPulseOutput* pulses) {
  const auto& meter = em.meter();
  const MeterConfig& config = meter.config();
  const double rate = meter.config().sample_rate_hz;
  summary.rate_hz = rate;
  summary.nominal_hz = static_cast<double>(config.nominal_hz);
  summary.channels = source.channels();
  SampleFrame frame;
  bool ok = true;
  for (;;) {
    const auto r = source.Next(frame);
    if (r == SampleSource::Read::kEnd) break;
    if (r == SampleSource::Read::kError) {
      error = source.error();
      ok = false;
      break;
    }
    ++summary.frames;
    std::uint8_t ev = 0;
    if constexpr (std::is_same_v<Numeric, dsp::FloatNumeric>) {
      ev = em.ProcessFrame(frame);
    } else {
      ev = em.ProcessFrame(QuantiseToAdc(frame, config.voltage_full_scale, config.current_full_scale, config.adc_bits));
    }
    if (ev & kEventWindow) {
      const WindowResult& w = meter.LastWindow();
      ++summary.windows;
      for (int bit = 0; bit < 32; ++bit)
        summary.windows_flagged[static_cast<std::size_t>(bit)] += (w.flags >> bit) & 1u;
      if (w.flags & kFlagNominalFrequencyMismatch) summary.last_mismatch_f_hz = static_cast<double>(w.f_hz);
      sink.OnWindow(w, meter.Spectrum(), Seconds(w.end_sample, w.end_frac, meter.gap_samples(), rate));
    }
    if (ev & kEventAggregate) {
      const AggregateResult& a = meter.LastAggregate();
      sink.OnAggregate(a, Seconds(a.end_sample, a.end_frac, meter.gap_samples(), rate));
    }
    if (ev & kEventFrequency10s) summary.f_hz_10s.push_back(static_cast<double>(meter.Frequency10s()));
    if (progress && (summary.frames & 0xFFFF) == 0) progress(source.progress());
  }
  summary.duration_s = static_cast<double>(summary.frames + static_cast<long>(meter.gap_samples())) / rate;
  // The last window's cycles have their P but not yet their Q.
  em.FlushReactive();
  FillEnergy(em, pulses, summary);
  if (progress) progress(1.0);
  sink.OnSummary(summary);
  return ok;
}

template bool Replay<dsp::FloatNumeric>(SampleSource&, BasicEnergyMeter<dsp::FloatNumeric>&, ReplaySink&,
                                        ReplaySummary&, SourceError&, ProgressCallback, const CountingPulseOutput*);
template bool Replay<dsp::Q31Numeric>(SampleSource&, BasicEnergyMeter<dsp::Q31Numeric>&, ReplaySink&, ReplaySummary&,
                                      SourceError&, ProgressCallback, const CountingPulseOutput*);

}  // namespace meter::host_sim
