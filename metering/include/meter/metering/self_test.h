#pragma once
// The built-in self-test: a deterministic three-phase 3P4W signal with
// harmonics at an off-nominal frequency, in 24-bit ADC codes, and the figures
// a run of it produces. A firmware image runs it through the full pipeline
// and the energy registers and compares its figures with those the host
// computed from the same code at build time (meter-sim self-test-expect), and
// with the signal's exact values.
//
// The signal is generated with IEEE double multiplications and additions only
// (phasor recurrences started from a series, no libm), so the host and the
// target produce the same codes bit for bit.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "meter/metering/energy_meter.h"
#include "meter/metering/metering_loop.h"

namespace meter::selftest {

inline constexpr double kSampleRateHz = 8000.0;
inline constexpr double kSignalHz = 50.3;             ///< Off nominal (50 Hz).
inline constexpr std::uint64_t kTotalFrames = 24000;  ///< 3 s.
/// The second of signal over which targets measure instructions (steady state).
inline constexpr std::uint64_t kMeasureFirstFrame = 8000;
inline constexpr std::uint64_t kMeasureFrames = 8000;
inline constexpr int kAdcBits = 24;

/// The meter configuration the self-test runs with (3P4W, 230 V, 5 A, THD(31)).
EnergyMeterConfig Config();

/// The signal, one frame of ADC codes after another.
class Signal {
 public:
  /// The same amplitudes and phases at another fundamental (off-range checks).
  explicit Signal(double fundamental_hz = kSignalHz);
  AdcFrame Next();
  std::uint64_t position() const { return position_; }

  /// One component: order, rms in input units, phase in degrees.
  struct Tone {
    int order;
    double rms;
    double phase_deg;
  };
  static constexpr int kMaxTones = 8;
  struct Channel {
    std::array<Tone, kMaxTones> tones;
    int count;
  };
  /// Channels va vb vc ia ib ic.
  static const std::array<Channel, 6>& Definition();

 private:
  struct Rotor {
    double re, im, step_re, step_im;
  };
  std::array<std::array<Rotor, kMaxTones>, 6> rotors_{};
  std::uint64_t position_ = 0;
};

/// Float meter input from codes: the value the code stands for.
SampleFrame ToInputUnits(const AdcFrame& codes);

/// Fills a block with the next frames of the signal, in the meter's input type.
void Fill(Signal& signal, std::span<AdcFrame> block);
void Fill(Signal& signal, std::span<SampleFrame> block);

/// The figures compared: last window, energy registers.
enum Field : int {
  kVa,
  kVb,
  kVc,
  kIa,
  kIb,
  kIc,
  kPa,
  kPb,
  kPc,
  kQa,
  kQb,
  kQc,
  kSa,
  kSb,
  kSc,
  kThdVa,
  kThdVb,
  kThdVc,
  kThdIa,
  kThdIb,
  kThdIc,
  kVab,
  kVbc,
  kVca,
  kIn,
  kPTotal,
  kQTotal,
  kSTotal,
  kPfTotal,
  kFrequency,
  kEnergyImportWh,
  kEnergyReactiveImportVarh,
  kEnergyApparentVah,
  kEnergyImportAWh,
  kEnergyImportBWh,
  kEnergyImportCWh,
  kRegisteredSeconds,
  kReactiveRegisteredSeconds,  ///< The registers' time bases (on_ticks, reactive_ticks).
  kWindowSequence,
  kWindowFlags,
  kFieldCount
};
using Summary = std::array<double, kFieldCount>;

const char* FieldName(int field);
/// Largest allowed |target - host| (same code, another compiler and libm):
/// 1e-5 of the field's scale (Un, In, Un In, 100 %, 1 Hz, energy), exact for
/// the window sequence and flags.
double HostTolerance(int field);
/// The exact value of `field` for a run that measured `measured`: the
/// signal's figure, or for an energy register the exact power times the
/// time that register measured (kRegisteredSeconds; kvarh:
/// kReactiveRegisteredSeconds). NaN where there is none.
double ExactFor(int field, const Summary& exact, const Summary& measured);
/// Largest allowed |measured - ExactFor(...)|: 1e-4 of the field's scale
/// (energies: of the exact energy), NaN where nothing is compared.
double ExactTolerance(int field, double exact_value);

/// The registers when the measured second starts (kMeasureFirstFrame): the
/// meter has settled, and the energy fields of a Summary count from there,
/// so that they compare with the exact powers over the time registered
/// since (the first, unsynchronised cycle of a start-up is no measurement
/// of the signal).
struct RegisterMark {
  EnergyState state{};
  std::uint64_t reactive_ticks = 0;
};

/// The last window's figures and the energy registers since `since`.
template <typename Numeric>
Summary Summarise(const BasicEnergyMeter<Numeric>& meter, const RegisterMark& since);

/// Runs the whole signal through `loop`, block by block as a DMA would
/// deliver it. `timed(measured, poll)` must call poll() once; `measured` is
/// true for the blocks of the measured second. Sets `mark` at the start of
/// the measured second (the caller owns it: a firmware keeps it off the
/// stack).
template <typename Numeric, std::size_t kBlock, typename Timed>
void Run(MeteringLoop<Numeric, kBlock>& loop, typename MeteringLoop<Numeric, kBlock>::Buffer& buffer,
         RegisterMark& mark, Timed&& timed) {
  static_assert(kTotalFrames % kBlock == 0 && kMeasureFirstFrame % kBlock == 0 && kMeasureFrames % kBlock == 0,
                "the measured second must be whole blocks");
  Signal signal;
  while (signal.position() < kTotalFrames) {
    const std::uint64_t first = signal.position();
    if (first == kMeasureFirstFrame) {
      mark.state = loop.meter().registers().state();
      mark.reactive_ticks = loop.meter().registers().reactive_ticks();
    }
    Fill(signal, buffer.half(buffer.producer_half()));
    buffer.OnBlockReady();
    timed(first >= kMeasureFirstFrame && first < kMeasureFirstFrame + kMeasureFrames, [&loop] { loop.Poll(); });
  }
}

/// The signal's exact figures (NaN where the definition gives none).
Summary Exact();

}  // namespace meter::selftest
