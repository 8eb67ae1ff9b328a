#pragma once
// What the meter publishes for every 10/12-cycle window and every
// 150/180-cycle aggregate. Units are SI, primary values. A value that is not
// defined for the window (PF with no load, THD with no fundamental,
// frequency with no zero crossing) is NaN, never a made-up number.

#include <array>
#include <cstdint>

namespace meter {

/// Window flags: what affected the window. Channel-specific conditions have
/// one bit per channel (bit + channel index, va..vc = 0..2, ia..ic = 3..5).
enum WindowFlag : std::uint32_t {
  kFlagSettling = 1u << 0,             ///< First window: not synchronised, DC estimate cold.
  kFlagNoZeroCrossing = 1u << 1,       ///< A cycle boundary was placed at nominal length.
  kFlagFrequencyOutOfRange = 1u << 2,  ///< Measured frequency outside 45-65 Hz.
  kFlagGap = 1u << 3,                  ///< Samples were lost inside the window.
  kFlagSpectrumIncomplete = 1u << 4,   ///< A cycle could not be resampled: THD/Q/P1/Q1 are NaN.
  kFlagThdOrderLimited = 1u << 5,      ///< THD stops below the configured order (sample rate).
  /// The measured fundamental is more than 10 % from the nominal frequency:
  /// 60 Hz data told 50 Hz (windows of the wrong cycle count), or a wrong
  /// sample rate.
  kFlagNominalFrequencyMismatch = 1u << 6,
  kFlagNonFiniteBase = 1u << 8,        ///< + channel: a NaN/inf sample was replaced by the previous one.
  kFlagClippedBase = 1u << 16,         ///< + channel: a sample reached full scale.
  kFlagVoltageMissingBase = 1u << 24,  ///< + phase: phase voltage below the missing threshold.
  /// + phase: an isolated one-sample impulse on this phase voltage, the
  /// zero-crossing reference, was bridged (its neighbours' mean) for
  /// zero-crossing detection only; every measured value keeps the sample.
  kFlagImpulseBase = 1u << 27,
};

constexpr std::uint32_t NonFiniteFlag(int channel) { return kFlagNonFiniteBase << channel; }
constexpr std::uint32_t ClippedFlag(int channel) { return kFlagClippedBase << channel; }
constexpr std::uint32_t VoltageMissingFlag(int phase) { return kFlagVoltageMissingBase << phase; }
constexpr std::uint32_t ImpulseFlag(int phase) { return kFlagImpulseBase << phase; }

/// Stable short name of flag bit `bit` (0..31), e.g. "clipped_ia"; nullptr
/// for an unused bit. These names are part of the replay JSON contract.
constexpr const char* WindowFlagName(int bit) {
  constexpr const char* kGeneral[] = {
      "settling",          "no_zero_crossing",          "frequency_out_of_range", "gap", "spectrum_incomplete",
      "thd_order_limited", "nominal_frequency_mismatch"};
  constexpr const char* kNonFinite[] = {"non_finite_va", "non_finite_vb", "non_finite_vc",
                                        "non_finite_ia", "non_finite_ib", "non_finite_ic"};
  constexpr const char* kClipped[] = {"clipped_va", "clipped_vb", "clipped_vc",
                                      "clipped_ia", "clipped_ib", "clipped_ic"};
  constexpr const char* kMissing[] = {"voltage_missing_a", "voltage_missing_b", "voltage_missing_c"};
  constexpr const char* kImpulse[] = {"impulse_va", "impulse_vb", "impulse_vc"};
  if (bit >= 0 && bit < 7) return kGeneral[bit];
  if (bit >= 8 && bit < 14) return kNonFinite[bit - 8];
  if (bit >= 16 && bit < 22) return kClipped[bit - 16];
  if (bit >= 24 && bit < 27) return kMissing[bit - 24];
  if (bit >= 27 && bit < 30) return kImpulse[bit - 27];
  return nullptr;
}

struct PhaseValues {
  float v_rms = 0;   ///< V, L-N (3P3W: to the virtual star point).
  float i_rms = 0;   ///< A.
  float p_w = 0;     ///< Active power, mean of v*i.
  float q_var = 0;   ///< Budeanu reactive power, + inductive.
  float s_va = 0;    ///< Vrms * Irms.
  float pf = 0;      ///< P / S, NaN when S is 0.
  float p1_w = 0;    ///< Fundamental active power.
  float q1_var = 0;  ///< Fundamental reactive power, + inductive.
  float thd_v_pct = 0;
  float thd_i_pct = 0;
};

struct TotalValues {
  float p_w = 0;
  float q_var = 0;
  float s_va = 0;  ///< Sum of the phases' S.
  float pf = 0;
};

struct WindowResult {
  std::uint32_t sequence = 0;
  std::uint64_t end_sample = 0;  ///< End boundary = end_sample + end_frac, in samples since the first one.
  float end_frac = 0;
  float duration_s = 0;
  int cycles = 0;
  float f_hz = 0;  ///< NaN when no zero crossing was usable.
  std::uint32_t flags = 0;
  int thd_max_order = 0;  ///< Highest order included in THD.

  int phase_count = 0;
  std::array<PhaseValues, 3> phases{};
  int line_to_line_count = 0;
  std::array<float, 3> v_ll_rms{};  ///< AB, BC, CA (2P3W: L1-L2 only).
  std::array<float, 3> thd_v_ll_pct{};
  bool has_neutral = false;
  float i_n_rms = 0;  ///< From the sum of the phase-current samples.
  bool has_unbalance = false;
  float unbalance_v_pct = 0;   ///< Negative-sequence ratio u2 of the voltage.
  float unbalance_v0_pct = 0;  ///< Zero-sequence ratio u0 (3P4W only, NaN otherwise).
  float unbalance_i_pct = 0;
  float unbalance_i0_pct = 0;
  TotalValues total{};
};

/// 150-cycle (50 Hz) / 180-cycle (60 Hz) aggregate of 15 windows,
/// IEC 61000-4-30: rms-like values as the root of the mean of squares,
/// powers as means.
struct AggregateResult {
  std::uint32_t sequence = 0;
  std::uint64_t end_sample = 0;
  float end_frac = 0;
  float duration_s = 0;
  std::uint32_t flags = 0;  ///< Union of the windows' flags.
  int phase_count = 0;
  std::array<PhaseValues, 3> phases{};
  int line_to_line_count = 0;
  std::array<float, 3> v_ll_rms{};
  float i_n_rms = 0;
  TotalValues total{};
};

}  // namespace meter
