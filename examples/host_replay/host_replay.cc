// Replays samples through the float energy meter and prints what a meter
// shows: one line a window, then the registers.
//
//   host-replay RATE_HZ [FILE]
//
// Input: one line a sample set, "va,vb,vc,ia,ib,ic" in volts and amperes at
// the meter's terminals (comma- or space-separated), from FILE or stdin.
// The meter is set up from its ratings alone (3P4W, 230 V, 5 A, 50 Hz).
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "meter/meter_core.h"

namespace {

// The meter keeps its sample history inside: tens of kilobytes, so static.
meter::EnergyMeter g_meter;

bool ReadFrame(std::FILE* in, meter::SampleFrame& frame) {
  char line[256];
  while (std::fgets(line, sizeof line, in) != nullptr) {
    float values[6];
    int count = 0;
    char* cursor = line;
    while (count < 6) {
      char* end = nullptr;
      const float x = std::strtof(cursor, &end);
      if (end == cursor) break;
      values[count++] = x;
      cursor = end;
      while (*cursor == ',' || *cursor == ' ' || *cursor == '\t') ++cursor;
    }
    if (count == 0) continue;  // a blank or header line
    if (count != 6) {
      std::fprintf(stderr, "host-replay: a line with %d values, not 6: %s", count, line);
      return false;
    }
    frame.v = {values[0], values[1], values[2]};
    frame.i = {values[3], values[4], values[5]};
    return true;
  }
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3) {
    std::fprintf(stderr, "usage: host-replay RATE_HZ [FILE]\n");
    return 2;
  }
  const double rate_hz = std::atof(argv[1]);
  std::FILE* in = argc == 3 ? std::fopen(argv[2], "r") : stdin;
  if (in == nullptr) {
    std::fprintf(stderr, "host-replay: cannot open %s\n", argv[2]);
    return 1;
  }

  const meter::EnergyMeterConfig config = meter::ConfigForRatings(meter::Wiring::k3P4W, rate_hz, 50.0f, 230.0, 5.0, 31);
  // Errors are values: a rate outside 100..32000 Hz, say, is refused here.
  const meter::Status status = g_meter.Init(config, nullptr, nullptr);
  if (status != meter::Status::kOk) {
    std::fprintf(stderr, "host-replay: Init: %s\n", meter::StatusName(status));
    return 1;
  }

  std::printf("window  f_hz      va_v      ia_a      p_w          pf      thd_v_pct flags\n");
  meter::SampleFrame frame;
  while (ReadFrame(in, frame)) {
    if ((g_meter.ProcessFrame(frame) & meter::kEventWindow) == 0) continue;
    const meter::WindowResult& w = g_meter.meter().LastWindow();
    std::printf("%-7u %-9.4f %-9.3f %-9.4f %-12.2f %-7.4f %-9.3f 0x%x\n", static_cast<unsigned>(w.sequence),
                static_cast<double>(w.f_hz), static_cast<double>(w.phases[0].v_rms),
                static_cast<double>(w.phases[0].i_rms), static_cast<double>(w.total.p_w),
                static_cast<double>(w.total.pf), static_cast<double>(w.phases[0].thd_v_pct),
                static_cast<unsigned>(w.flags));
  }
  if (in != stdin) std::fclose(in);

  // The cycles still waiting for their window's spectrum get their reactive
  // energy now, so nothing measured stays out of the registers.
  g_meter.FlushReactive();
  const meter::EnergyRegisters& registers = g_meter.registers();
  const meter::EnergyState& state = registers.state();
  std::printf("kwh_import %.9f\nkwh_export %.9f\nkvarh_import %.9f\nkvarh_export %.9f\n",
              registers.Kilo(state.total.kwh_imp), registers.Kilo(state.total.kwh_exp),
              registers.Kilo(state.total.kvarh_imp), registers.Kilo(state.total.kvarh_exp));
  return 0;
}
