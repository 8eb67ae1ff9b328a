#pragma once
// Analog front ends and ADCs of the reference meter, modelled analytically:
// the primary signal is a sum of sinusoids, so every linear stage (sensor
// ratio and phase error, input loading, anti-aliasing filter, sampling
// skew) acts on each component exactly; offset, gain error, noise and
// quantisation act on the samples. The meter then sees what its ADCs would
// deliver: meter-input units for the float core, ADC codes for the Q31 core.

#include <array>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "meter/metering/meter.h"

namespace meter::host_sim {

/// One sinusoidal component of a primary signal: rms amplitude, phase at
/// t = 0 (cosine reference), frequency as a multiple of the fundamental.
struct Component {
  double order = 1;
  double rms = 0;
  double phase_rad = 0;
};

/// Three-phase primary signal: per phase, voltage (L-N, V) and current (A).
struct PrimarySignal {
  double f_hz = 50;
  std::array<std::vector<Component>, 3> v, i;
};

/// An error that depends on the current, interpolated in log(I/In) between
/// points (flat beyond the ends): a sensor's ratio error (%) or phase error
/// (degrees, positive = the secondary leads).
struct ErrorCurve {
  std::vector<std::pair<double, double>> points;  ///< (I/In, error), increasing I/In
  double At(double i_over_in) const;
};

enum class FrontEndKind { kMv5, kAv5 };

struct AdcModel {
  int bits = 24;
  double snr_db = 101.0;         ///< full-scale sine to noise
  double offset_fs = 2e-4;       ///< offset, fraction of full scale
  double gain_error = 0.0;       ///< relative (set per channel by the front end)
  double aa_cutoff_hz = 3200.0;  ///< first-order anti-aliasing filter
};

struct FrontEndConfig {
  FrontEndKind kind = FrontEndKind::kMv5;
  double sample_rate_hz = 8000.0;
  double un_v = 230.0;              ///< rated L-N voltage
  double in_a = 100.0;              ///< rated primary current (MV5: sensor rating; AV5: 5 A x CT ratio)
  double ct_ratio = 1.0;            ///< AV5: primary A per secondary A (up to 2000)
  ErrorCurve ratio_error_pct;       ///< sensor or CT ratio error vs I/In
  ErrorCurve phase_error_deg;       ///< sensor or CT phase error vs I/In
  double voltage_divider = 1001.0;  ///< 1 MOhm : 1 kOhm
  double sensor_source_ohm = 50.0;  ///< MV5 sensor output impedance against the 100 kOhm input
  double shunt_ohm = 0.002;         ///< AV5 internal shunt
  double skew_s = 8e-6;             ///< current channels sampled this much after the voltage channels
  AdcModel adc;
  std::array<double, 6> channel_gain_error{0.004, -0.003, 0.002, -0.005, 0.003, 0.006};  ///< va vb vc ia ib ic
  std::uint32_t noise_seed = 1;

  double imax_a() const { return 1.2 * in_a; }
  /// Defaults typical of class 0.5 sensors / CTs for the kind.
  static FrontEndConfig Default(FrontEndKind kind);
};

/// What the meter is configured with for this front end (full scales, ratios).
MeterConfig MeterConfigFor(const FrontEndConfig& fe);

/// Samples the primary signal through the front end.
class FrontEnd {
 public:
  explicit FrontEnd(const FrontEndConfig& config);
  /// Frame n (t = n / rate) in meter-input units (float core).
  SampleFrame InputFrame(long n);
  /// Frame n as ADC codes (Q31 core); the same noise as InputFrame(n).
  AdcFrame CodeFrame(long n);
  /// Sets the signal (precomputes every component through the linear stages).
  void SetSignal(const PrimarySignal& s);
  const FrontEndConfig& config() const { return config_; }

 private:
  struct Wave {
    std::vector<Component> components;  // at the ADC input, input units
    double dc = 0;
    double gain = 1;
    double full_scale = 1;  // ADC input at the full-scale code
    double noise_rms = 0;   // from the ADC's SNR, per sample
  };
  std::array<double, 6> RawSample(long n);

  FrontEndConfig config_;
  std::array<Wave, 6> waves_;
  std::mt19937_64 rng_;
  std::normal_distribution<double> normal_{0.0, 1.0};
  double f_hz_ = 50;
};

}  // namespace meter::host_sim
