#include "meter/host_sim/target_vectors.h"

#include <fmt/format.h>

#include <cmath>
#include <memory>

#include "meter/metering/self_test.h"

namespace meter::host_sim {
namespace {

template <typename Numeric>
selftest::Summary RunOnHost() {
  auto meter = std::make_unique<BasicEnergyMeter<Numeric>>();
  auto buffer = std::make_unique<typename MeteringLoop<Numeric, 80>::Buffer>();
  if (meter->Init(selftest::Config(), nullptr, nullptr) != Status::kOk) return {};
  MeteringLoop<Numeric, 80> loop(*meter, *buffer, nullptr, nullptr);
  selftest::RegisterMark mark;
  selftest::Run(loop, *buffer, mark, [](bool, auto poll) { poll(); });
  return selftest::Summarise(*meter, mark);
}

std::string Array(const char* name, const selftest::Summary& s) {
  std::string out = fmt::format("inline constexpr Summary {} = {{{{\n", name);
  for (int f = 0; f < selftest::kFieldCount; ++f) {
    const double v = s[static_cast<std::size_t>(f)];
    const std::string text = std::isnan(v) ? "kNotGiven" : fmt::format("{:.17g}", v);
    out += fmt::format("    {},  // {}\n", text, selftest::FieldName(f));
  }
  return out + "}};\n";
}

}  // namespace

std::string SelfTestExpectedHeader(bool q31) {
  const selftest::Summary host = q31 ? RunOnHost<dsp::Q31Numeric>() : RunOnHost<dsp::FloatNumeric>();
  std::string out = fmt::format(
      "// Generated at build time by `meter-sim self-test-expect --numeric {}` from the\n"
      "// host build of the same core. Do not edit; not committed.\n"
      "#pragma once\n#include <limits>\n#include \"meter/metering/self_test.h\"\n\n"
      "namespace meter::selftest::generated {{\n\n"
      "inline constexpr double kNotGiven = std::numeric_limits<double>::quiet_NaN();\n"
      "inline constexpr bool kQ31 = {};\n\n",
      q31 ? "q31" : "float", q31 ? "true" : "false");
  out += Array("kHostExpected", host);
  out += "\n" + Array("kExact", selftest::Exact());
  return out + "\n}  // namespace meter::selftest::generated\n";
}

}  // namespace meter::host_sim
