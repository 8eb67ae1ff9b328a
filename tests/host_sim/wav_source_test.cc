#include "meter/host_sim/wav_source.h"

#include <gtest/gtest.h>
#include <sndfile.h>

#include <cmath>
#include <fstream>
#include <vector>

#include "meter/metering/meter.h"

namespace meter::host_sim {
namespace {

constexpr double kPi = 3.14159265358979323846;

// Writes `seconds` of a 50 Hz three-phase signal, normalised by 400 V and 10 A.
std::string WriteWav(const std::string& name, int channels, int format, double seconds) {
  const std::string path = ::testing::TempDir() + name;
  SF_INFO info{};
  info.samplerate = 8000;
  info.channels = channels;
  info.format = SF_FORMAT_WAV | format;
  SNDFILE* f = sf_open(path.c_str(), SFM_WRITE, &info);
  EXPECT_NE(f, nullptr) << sf_strerror(nullptr);
  const long n = static_cast<long>(seconds * 8000);
  std::vector<double> frame(static_cast<std::size_t>(channels));
  const int phases = channels / 2;
  for (long k = 0; k < n; ++k) {
    const double wt = 2 * kPi * 50 * static_cast<double>(k) / 8000.0;
    for (int p = 0; p < phases; ++p) {
      frame[static_cast<std::size_t>(p)] = 230.0 * std::sqrt(2.0) * std::cos(wt - 2 * kPi / 3 * p) / 400.0;
      frame[static_cast<std::size_t>(phases + p)] = 5.0 * std::sqrt(2.0) * std::cos(wt - 2 * kPi / 3 * p - 0.5) / 10.0;
    }
    sf_writef_double(f, frame.data(), 1);
  }
  sf_close(f);
  return path;
}

void ExpectMeterReads(WavSource& src, Wiring wiring, double v_tol) {
  static Meter m;
  MeterConfig cfg;
  cfg.wiring = wiring;
  cfg.sample_rate_hz = static_cast<float>(src.sample_rate());
  ASSERT_EQ(m.Init(cfg), Status::kOk);
  SampleFrame f;
  int windows = 0;
  while (src.Next(f) == SampleSource::Read::kFrame) windows += (m.ProcessFrame(f) & kEventWindow) ? 1 : 0;
  ASSERT_GE(windows, 3);
  for (int p = 0; p < PhaseCount(wiring); ++p) {
    EXPECT_NEAR(m.LastWindow().phases[static_cast<std::size_t>(p)].v_rms, 230.0, v_tol);
    EXPECT_NEAR(m.LastWindow().phases[static_cast<std::size_t>(p)].p_w, 230.0 * 5.0 * std::cos(0.5),
                230.0 * 5.0 * 1e-3);
  }
}

TEST(WavSource, SixChannelFloatThreePhase) {
  const auto path = WriteWav("three.wav", 6, SF_FORMAT_FLOAT, 1.0);
  SourceError err;
  auto src = WavSource::Open(path, Wiring::k3P4W, "", "va=400,vb=400,vc=400,ia=10,ib=10,ic=10", err);
  ASSERT_NE(src, nullptr) << err.ToString();
  EXPECT_EQ(src->sample_rate(), 8000.0);
  ExpectMeterReads(*src, Wiring::k3P4W, 1e-3);
}

TEST(WavSource, SixteenBitPcmSinglePhaseWithAMap) {
  const auto path = WriteWav("single.wav", 2, SF_FORMAT_PCM_16, 1.0);
  SourceError err;
  // Channel 1 is the voltage, 2 the current (the default order for 1P2W), given explicitly.
  auto src = WavSource::Open(path, Wiring::k1P2W, "va=1,ia=2", "va=400,ia=10", err);
  ASSERT_NE(src, nullptr) << err.ToString();
  ExpectMeterReads(*src, Wiring::k1P2W, 0.05);  // 16-bit quantisation
}

TEST(WavSource, ClearErrors) {
  SourceError err;
  const std::string junk = ::testing::TempDir() + "junk.wav";
  std::ofstream(junk) << "not audio at all";
  EXPECT_EQ(WavSource::Open(junk, Wiring::k3P4W, "", "", err), nullptr);
  EXPECT_NE(err.ToString().find("cannot read as audio"), std::string::npos) << err.ToString();
  const auto two = WriteWav("two.wav", 2, SF_FORMAT_FLOAT, 0.1);
  EXPECT_EQ(WavSource::Open(two, Wiring::k3P4W, "", "", err), nullptr);
  EXPECT_NE(err.ToString().find("input vc needs channel 3 but the file has 2"), std::string::npos) << err.ToString();
  EXPECT_EQ(WavSource::Open(two, Wiring::k1P2W, "", "va=abc", err), nullptr);
  EXPECT_NE(err.ToString().find("--scale: va=abc: a scale is a positive number"), std::string::npos) << err.ToString();
  EXPECT_TRUE(err.in_option);
  // --map through the one parser every reader shares; its problems are the
  // option's (exit status 2 in meter-sim), not the file's.
  EXPECT_EQ(WavSource::Open(two, Wiring::k1P2W, "va=1,va=2", "", err), nullptr);
  EXPECT_NE(err.ToString().find("--map: input 'va' is mapped twice"), std::string::npos) << err.ToString();
  EXPECT_TRUE(err.in_option);
  EXPECT_EQ(WavSource::Open(two, Wiring::k1P2W, "va=first", "", err), nullptr);
  EXPECT_NE(err.ToString().find("--map: va=first: a WAV channel is a 1-based number"), std::string::npos)
      << err.ToString();
  EXPECT_EQ(WavSource::Open(two, Wiring::k1P2W, "ia=7", "", err), nullptr);
  EXPECT_TRUE(err.in_option);
  const auto mapped = WavSource::Open(two, Wiring::k1P2W, "va=2,ia=1", "", err);
  ASSERT_NE(mapped, nullptr) << err.ToString();
  const auto channels = mapped->channels();
  ASSERT_EQ(channels.size(), 2u);
  EXPECT_EQ(channels[0].input, "va");
  EXPECT_EQ(channels[0].channel, "channel 2");
  EXPECT_EQ(channels[1].channel, "channel 1");
}

}  // namespace
}  // namespace meter::host_sim
