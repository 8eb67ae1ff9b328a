// _meter_core: the metering core for Python (pybind11). The Python package
// meter_core (meter_core/__init__.py) wraps it into DataFrames.
//
// Results are the JSON-lines objects of `meter-sim replay --json`, made by
// the same writer (interfaces/result_json.h) and, for files, the same replay
// function (host_sim/replay_file.h): values, warnings and errors are the
// command line's. Processing runs without the GIL, on the caller's array
// when it is C-contiguous float64 (or int32 codes for the Q31 meter).
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "meter/host_sim/campaign.h"
#include "meter/host_sim/comtrade_source.h"
#include "meter/host_sim/csv_source.h"
#include "meter/host_sim/replay.h"
#include "meter/host_sim/replay_file.h"
#include "meter/host_sim/wav_source.h"
#include "meter/interfaces/http_api.h"
#include "meter/interfaces/result_json.h"

namespace py = pybind11;
using meter::host_sim::ReplayOptions;
using meter::host_sim::ReplaySummary;
using Json = meter::interfaces::Json;

namespace {

// nlohmann JSON to Python objects (dicts keep the JSON's key order).
py::object ToPython(const Json& j) {
  switch (j.type()) {
    case Json::value_t::null:
      return py::none();
    case Json::value_t::boolean:
      return py::bool_(j.get<bool>());
    case Json::value_t::number_integer:
      return py::int_(j.get<std::int64_t>());
    case Json::value_t::number_unsigned:
      return py::int_(j.get<std::uint64_t>());
    case Json::value_t::number_float:
      return py::float_(j.get<double>());
    case Json::value_t::string:
      return py::str(j.get<std::string>());
    case Json::value_t::array: {
      py::list list;
      for (const auto& v : j) list.append(ToPython(v));
      return list;
    }
    case Json::value_t::object: {
      py::dict dict;
      for (const auto& [k, v] : j.items()) dict[py::str(k)] = ToPython(v);
      return dict;
    }
    default:
      return py::none();
  }
}

// Windows as columns: the JSON-lines names; per phase suffixed _a, _b, _c;
// line to line _ab, _bc, _ca; the system totals unsuffixed (p_w, q_var,
// s_va, pf); flags as one space-separated string.
class ColumnSink final : public meter::host_sim::ReplaySink {
 public:
  void OnWindow(const meter::WindowResult& w, const meter::HarmonicSpectrum&, double t_s) override {
    Add(meter::interfaces::WindowJson(w, t_s));
  }
  void OnAggregate(const meter::AggregateResult&, double) override {}
  void OnSummary(const ReplaySummary&) override {}

  void Add(const Json& window) {
    static const char* kPhase[] = {"_a", "_b", "_c"};
    static const char* kLine[] = {"_ab", "_bc", "_ca"};
    for (const auto& [key, value] : window.items()) {
      if (key == "type") continue;
      if (key == "flags") {
        std::string joined;
        for (const auto& f : value) joined += (joined.empty() ? "" : " ") + f.get<std::string>();
        Text("flags").push_back(joined);
      } else if (key == "phases") {
        for (std::size_t p = 0; p < value.size() && p < 3; ++p) {
          for (const auto& [name, x] : value[p].items()) Number(name + kPhase[p], x);
        }
      } else if (key == "total") {
        for (const auto& [name, x] : value.items()) Number(name, x);
      } else if (value.is_array()) {
        for (std::size_t l = 0; l < value.size() && l < 3; ++l) Number(key + kLine[l], value[l]);
      } else if (value.is_number_integer() || value.is_number_unsigned()) {
        Integer(key).push_back(value.get<std::int64_t>());
      } else {
        Number(key, value);
      }
    }
    ++rows_;
  }

  py::dict Columns() const {
    py::dict out;
    for (const auto& name : order_) {
      if (auto it = numbers_.find(name); it != numbers_.end()) out[py::str(name)] = Array(it->second);
      if (auto it = integers_.find(name); it != integers_.end()) out[py::str(name)] = Array(it->second);
      if (auto it = texts_.find(name); it != texts_.end()) out[py::str(name)] = py::cast(it->second);
    }
    return out;
  }

 private:
  template <typename T>
  static py::array_t<T> Array(const std::vector<T>& v) {
    auto* copy = new std::vector<T>(v);
    py::capsule owner(copy, [](void* p) { delete static_cast<std::vector<T>*>(p); });
    return py::array_t<T>(static_cast<py::ssize_t>(copy->size()), copy->data(), owner);
  }
  template <typename T>
  std::vector<T>& Column(std::map<std::string, std::vector<T>>& columns, const std::string& name, T fill) {
    auto it = columns.find(name);
    if (it == columns.end()) {
      order_.push_back(name);
      it = columns.emplace(name, std::vector<T>(rows_, fill)).first;  // a column that starts late
    }
    return it->second;
  }
  void Number(const std::string& name, const Json& x) {
    auto& column = Column<double>(numbers_, name, std::nan(""));
    column.resize(rows_, std::nan(""));
    column.push_back(x.is_number() ? x.get<double>() : std::nan(""));
  }
  std::vector<std::int64_t>& Integer(const std::string& name) { return Column<std::int64_t>(integers_, name, 0); }
  std::vector<std::string>& Text(const std::string& name) { return Column<std::string>(texts_, name, ""); }

  std::size_t rows_ = 0;
  std::vector<std::string> order_;
  std::map<std::string, std::vector<double>> numbers_;
  std::map<std::string, std::vector<std::int64_t>> integers_;
  std::map<std::string, std::vector<std::string>> texts_;
};

// The summary line of `meter-sim replay --json`, as a dict.
py::dict SummaryDict(const ReplaySummary& s) {
  std::ostringstream text;
  meter::host_sim::JsonLinesSink sink(text, false);
  sink.OnSummary(s);
  return ToPython(Json::parse(text.str())).cast<py::dict>();
}

// Every register, exact (milli-units) and in kilo-units, as /api/v1/energy
// gives them.
template <typename Numeric>
py::dict RegistersDict(const meter::BasicEnergyMeter<Numeric>& em, meter::Wiring wiring) {
  auto snapshot = std::make_unique<meter::interfaces::MeterSnapshot>();
  snapshot->registers = em.registers().state();
  snapshot->registers_ready = true;
  snapshot->wiring = wiring;
  snapshot->ticks_per_second = em.registers().ticks_per_second();
  Json j = meter::interfaces::EnergyApiJson(*snapshot);
  j.erase("time_unix_s");
  j.erase("ready");
  return ToPython(j).cast<py::dict>();
}

// A (N, 2*phases or 6) array of primary values or codes as a sample source.
// Column order: va[, vb, vc], ia[, ib, ic]; with 6 columns the unused ones
// of a smaller wiring are ignored.
class ArraySource final : public meter::host_sim::SampleSource {
 public:
  ArraySource(const double* data, py::ssize_t rows, py::ssize_t cols, py::ssize_t row_stride, py::ssize_t col_stride,
              int phases)
      : data_(data), rows_(rows), cols_(cols), row_stride_(row_stride), col_stride_(col_stride), phases_(phases) {}

 private:
  Read DoNext(meter::SampleFrame& frame) override {
    if (row_ >= rows_) return Read::kEnd;
    const auto at = [&](py::ssize_t c) { return data_[row_ * row_stride_ + c * col_stride_]; };
    const int per_kind = cols_ == 6 ? 3 : phases_;
    frame = meter::SampleFrame{};
    for (int p = 0; p < phases_; ++p) {
      frame.v[static_cast<std::size_t>(p)] = static_cast<float>(at(p));
      frame.i[static_cast<std::size_t>(p)] = static_cast<float>(at(per_kind + p));
    }
    ++row_;
    return Read::kFrame;
  }
  double DoProgress() const override {
    return rows_ > 0 ? static_cast<double>(row_) / static_cast<double>(rows_) : 1.0;
  }

  const double* data_;
  py::ssize_t rows_, cols_, row_stride_, col_stride_;
  int phases_;
  py::ssize_t row_ = 0;
};

meter::Wiring CheckedWiring(const std::string& name) {
  const auto w = meter::WiringFromName(name);
  if (!w) {
    std::string names;
    for (const auto& e : meter::kWiringNames) names += (names.empty() ? "" : ", ") + std::string(e.second);
    throw py::value_error("wiring '" + name + "': not one of " + names);
  }
  return *w;
}

// Checks an array's shape against the wiring: (N, 6) or (N, 2 x phases).
void CheckShape(const py::buffer_info& info, meter::Wiring wiring) {
  const int phases = meter::PhaseCount(wiring);
  if (info.ndim != 2) {
    throw py::value_error("samples: expected a 2-D array (N, channels), got " + std::to_string(info.ndim) +
                          " dimensions");
  }
  const auto cols = info.shape[1];
  if (cols != 6 && cols != 2 * phases) {
    const std::string own =
        phases == 3 ? "" : " or " + std::to_string(2 * phases) + " (its voltages, then its currents)";
    throw py::value_error("samples: " + std::to_string(cols) + " columns; " + std::string(meter::WiringName(wiring)) +
                          " takes 6 (va vb vc ia ib ic)" + own);
  }
}

void CheckRate(double rate) {
  if (rate >= meter::kMinSampleRateHz && rate <= meter::kMaxSampleRateHz) return;
  std::ostringstream m;
  m << "rate " << rate << " Hz is outside the supported range, " << meter::kMinSampleRateHz << " to "
    << meter::kMaxSampleRateHz << " samples/s";
  throw py::value_error(m.str());
}

// An array of samples as float64, read in place when it already is float64
// (any strides), converted once otherwise; its shape checked against the
// wiring. The Q31 meter quantises values to codes, which are always finite.
struct Float64Samples {
  py::array_t<double> array;  // keeps the data alive
  const double* data = nullptr;
  py::ssize_t rows = 0, cols = 0, row_stride = 0, col_stride = 0;

  Float64Samples(const py::array& samples, meter::Wiring wiring, bool q31) {
    const char kind = samples.dtype().kind();
    if (kind != 'f' && kind != 'i' && kind != 'u') {
      throw py::value_error("samples: expected float64 primary values" + std::string(q31 ? " or int32 ADC codes" : "") +
                            ", got dtype " + py::str(samples.dtype()).cast<std::string>());
    }
    array = py::array_t<double, py::array::forcecast>::ensure(samples);
    if (!array) throw py::value_error("samples: cannot be read as float64");
    const py::buffer_info info = array.request();
    CheckShape(info, wiring);
    data = static_cast<const double*>(info.ptr);
    rows = info.shape[0];
    cols = info.shape[1];
    row_stride = info.strides[0] / static_cast<py::ssize_t>(sizeof(double));
    col_stride = info.strides[1] / static_cast<py::ssize_t>(sizeof(double));
    if (!q31) return;
    for (py::ssize_t r = 0; r < rows; ++r) {
      for (py::ssize_t c = 0; c < cols; ++c) {
        if (!std::isfinite(data[r * row_stride + c * col_stride])) {
          throw py::value_error(
              "samples: row " + std::to_string(r) + ", column " + std::to_string(c) +
              " is not a number: the Q31 meter quantises values to ADC codes, which are always finite");
        }
      }
    }
  }
  ArraySource Source(meter::Wiring wiring) const {
    return ArraySource(data, rows, cols, row_stride, col_stride, meter::PhaseCount(wiring));
  }
};

// The streaming meter.
class Meter {
 public:
  Meter(double rate, const std::string& wiring, int nominal_hz, const std::string& numeric, double un, double in,
        int max_order, int pulse_wh)
      : wiring_(CheckedWiring(wiring)), q31_(numeric == "q31") {
    if (numeric != "float" && numeric != "q31") throw py::value_error("numeric '" + numeric + "': float or q31");
    if (nominal_hz != 50 && nominal_hz != 60)
      throw py::value_error("nominal_hz " + std::to_string(nominal_hz) + ": 50 or 60");
    CheckRate(rate);
    if (!(un > 0) || !(in > 0)) throw py::value_error("un and in_ are positive ratings (V, A)");
    options_.rate = rate;
    options_.wiring = wiring;
    options_.nominal_hz = nominal_hz;
    options_.un = un;
    options_.in = in;
    options_.max_order = max_order;
    options_.pulse_wh = pulse_wh;
    const meter::EnergyMeterConfig cfg = meter::host_sim::ReplayConfig(options_, !q31_);
    const meter::Status s = q31_ ? q31_meter_.Init(cfg, &pulses_, nullptr) : float_meter_.Init(cfg, &pulses_, nullptr);
    if (s != meter::Status::kOk) {
      std::ostringstream m;
      m << "invalid meter configuration (" << meter::StatusName(s) << "): rate " << rate << " Hz, nominal "
        << nominal_hz << " Hz, max order " << max_order;
      throw py::value_error(m.str());
    }
  }

  py::list Process(const py::array& samples) {
    if (q31_ && py::isinstance<py::array_t<std::int32_t>>(samples) && samples.dtype().kind() == 'i' &&
        samples.itemsize() == 4) {
      return ProcessCodes(samples);
    }
    const Float64Samples values(samples, wiring_, q31_);
    ArraySource source = values.Source(wiring_);
    std::vector<Json> windows;
    {
      py::gil_scoped_release release;
      Feed(source, windows);
    }
    py::list out;
    for (const Json& w : windows) out.append(ToPython(w));
    return out;
  }

  py::dict Registers() const {
    return q31_ ? RegistersDict(q31_meter_, wiring_) : RegistersDict(float_meter_, wiring_);
  }
  long frames() const { return frames_; }

 private:
  py::list ProcessCodes(const py::array& samples) {
    const auto codes = py::array_t<std::int32_t>::ensure(samples);
    const py::buffer_info info = codes.request();
    CheckShape(info, wiring_);
    const auto* data = static_cast<const std::int32_t*>(info.ptr);
    const py::ssize_t rows = info.shape[0], cols = info.shape[1];
    const py::ssize_t rs = info.strides[0] / 4, cs = info.strides[1] / 4;
    const int phases = meter::PhaseCount(wiring_);
    const int per_kind = cols == 6 ? 3 : phases;
    std::vector<Json> windows;
    {
      py::gil_scoped_release release;
      for (py::ssize_t r = 0; r < rows; ++r) {
        meter::AdcFrame frame{};
        for (int p = 0; p < phases; ++p) {
          frame.v[static_cast<std::size_t>(p)] = data[r * rs + p * cs];
          frame.i[static_cast<std::size_t>(p)] = data[r * rs + (per_kind + p) * cs];
        }
        Collect(q31_meter_.ProcessFrame(frame), q31_meter_, windows);
      }
    }
    py::list out;
    for (const Json& w : windows) out.append(ToPython(w));
    return out;
  }

  void Feed(ArraySource& source, std::vector<Json>& windows) {
    meter::SampleFrame frame;
    const auto& config = q31_ ? q31_meter_.meter().config() : float_meter_.meter().config();
    while (source.Next(frame) == meter::host_sim::SampleSource::Read::kFrame) {
      if (q31_) {
        Collect(q31_meter_.ProcessFrame(meter::host_sim::QuantiseToAdc(frame, config.voltage_full_scale,
                                                                       config.current_full_scale, config.adc_bits)),
                q31_meter_, windows);
      } else {
        Collect(float_meter_.ProcessFrame(frame), float_meter_, windows);
      }
    }
  }

  template <typename Numeric>
  void Collect(std::uint8_t events, meter::BasicEnergyMeter<Numeric>& em, std::vector<Json>& windows) {
    ++frames_;
    if ((events & meter::kEventWindow) == 0) return;
    const auto& m = em.meter();
    const meter::WindowResult& w = m.LastWindow();
    windows.push_back(meter::interfaces::WindowJson(
        w, meter::host_sim::Seconds(w.end_sample, w.end_frac, m.gap_samples(), m.config().sample_rate_hz)));
  }

  meter::Wiring wiring_;
  bool q31_;
  ReplayOptions options_;
  meter::host_sim::CountingPulseOutput pulses_;
  meter::BasicEnergyMeter<meter::dsp::FloatNumeric> float_meter_;
  meter::BasicEnergyMeter<meter::dsp::Q31Numeric> q31_meter_;
  long frames_ = 0;
};

ReplayOptions OptionsFrom(const py::dict& o) {
  ReplayOptions a;
  a.json = true;
  a.no_progress = true;
  if (o.contains("rate") && !o["rate"].is_none()) {
    a.rate = o["rate"].cast<double>();
    a.rate_given = true;
  }
  if (o.contains("wiring")) a.wiring = o["wiring"].cast<std::string>();
  CheckedWiring(a.wiring);
  if (o.contains("nominal_hz") && !o["nominal_hz"].is_none()) {
    a.nominal_hz = o["nominal_hz"].cast<int>();
    a.nominal_given = true;
    if (a.nominal_hz != 50 && a.nominal_hz != 60)
      throw py::value_error("nominal_hz " + std::to_string(a.nominal_hz) + ": 50 or 60");
  }
  if (o.contains("numeric")) a.numeric = o["numeric"].cast<std::string>();
  if (a.numeric != "float" && a.numeric != "q31") throw py::value_error("numeric '" + a.numeric + "': float or q31");
  if (o.contains("un")) a.un = o["un"].cast<double>();
  if (o.contains("in_")) a.in = o["in_"].cast<double>();
  if (!(a.un > 0) || !(a.in > 0)) throw py::value_error("un and in_ are positive ratings (V, A)");
  if (o.contains("max_order")) a.max_order = o["max_order"].cast<int>();
  if (a.max_order < 2 || a.max_order > 50)
    throw py::value_error("max_order " + std::to_string(a.max_order) + ": 2 to 50");
  if (o.contains("pulse_wh")) a.pulse_wh = o["pulse_wh"].cast<int>();
  if (o.contains("map") && !o["map"].is_none()) a.map = o["map"].cast<std::string>();
  if (o.contains("dat") && !o["dat"].is_none()) a.dat = o["dat"].cast<std::string>();
  if (o.contains("scale") && !o["scale"].is_none()) a.scale = o["scale"].cast<std::string>();
  return a;
}

// replay_file(path, options) -> (status, columns, summary, registers, messages)
py::tuple ReplayPath(const std::string& path, const py::dict& options) {
  ReplayOptions a = OptionsFrom(options);
  a.file = path;
  ColumnSink sink;
  ReplaySummary summary;
  std::ostringstream out, err;
  int status = 0;
  {
    py::gil_scoped_release release;
    status = meter::host_sim::ReplayFile(a, &sink, out, err, summary);
  }
  return py::make_tuple(status, sink.Columns(), SummaryDict(summary), err.str());
}

// replay_array(samples, options) -> the same, for an array with a rate.
py::tuple ReplayArray(const py::array& samples, const py::dict& options) {
  ReplayOptions a = OptionsFrom(options);
  if (!a.rate_given) throw py::value_error("rate is required with an array (samples per second)");
  CheckRate(a.rate);
  const meter::Wiring wiring = CheckedWiring(a.wiring);
  const Float64Samples values(samples, wiring, a.numeric == "q31");
  ArraySource source = values.Source(wiring);
  ColumnSink sink;
  ReplaySummary summary;
  std::string error;
  int status = 0;
  {
    py::gil_scoped_release release;
    const meter::EnergyMeterConfig cfg = meter::host_sim::ReplayConfig(a, a.numeric != "q31");
    meter::host_sim::CountingPulseOutput pulses;
    meter::host_sim::SourceError source_error;
    const auto run = [&](auto& em) {
      if (const meter::Status s = em.Init(cfg, &pulses, nullptr); s != meter::Status::kOk) {
        error = std::string("invalid meter configuration (") + meter::StatusName(s) + ")";
        status = 2;
        return;
      }
      meter::host_sim::Replay(source, em, sink, summary, source_error, nullptr, &pulses);
    };
    if (a.numeric == "q31") {
      auto em = std::make_unique<meter::BasicEnergyMeter<meter::dsp::Q31Numeric>>();
      run(*em);
    } else {
      auto em = std::make_unique<meter::BasicEnergyMeter<meter::dsp::FloatNumeric>>();
      run(*em);
    }
  }
  if (status == 0 && summary.windows == 0) {
    status = 1;
    error = "array: " + std::to_string(summary.frames) +
            " samples: " + (summary.frames == 0 ? "an empty recording" : "fewer than one complete window");
  }
  return py::make_tuple(status, sink.Columns(), SummaryDict(summary),
                        error.empty() ? std::string() : "meter-sim: " + error + "\n");
}

// read_recording(path, options) -> (array (N, 6), rate, channel names, messages)
py::tuple ReadRecording(const std::string& path, const py::dict& options) {
  ReplayOptions a = OptionsFrom(options);
  std::string ext = std::filesystem::path(path).extension().string();
  for (auto& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  meter::host_sim::SourceError error;
  std::unique_ptr<meter::host_sim::SampleSource> source;
  double rate = a.rate;
  const meter::Wiring wiring = CheckedWiring(a.wiring);
  if (ext == ".cfg" || ext == ".cff") {
    auto comtrade = meter::host_sim::ComtradeSource::Open(path, a.map, error, a.dat);
    if (comtrade && !a.rate_given) rate = comtrade->config().sample_rate;
    source = std::move(comtrade);
  } else if (ext == ".wav") {
    auto wav = meter::host_sim::WavSource::Open(path, wiring, a.map, a.scale, error);
    if (wav && !a.rate_given) rate = wav->sample_rate();
    source = std::move(wav);
  } else {
    if (!a.rate_given) throw py::value_error(path + ": rate is required for CSV recordings");
    source = meter::host_sim::CsvSource::Open(path, wiring, error, a.map);
  }
  if (!source) return py::make_tuple(error.in_option ? 2 : 1, py::none(), 0.0, py::none(), error.ToString());
  std::vector<double> values;
  meter::SampleFrame frame;
  meter::host_sim::SampleSource::Read r;
  {
    py::gil_scoped_release release;
    while ((r = source->Next(frame)) == meter::host_sim::SampleSource::Read::kFrame) {
      for (const float v : frame.v) values.push_back(static_cast<double>(v));
      for (const float i : frame.i) values.push_back(static_cast<double>(i));
    }
  }
  if (r == meter::host_sim::SampleSource::Read::kError) {
    return py::make_tuple(1, py::none(), 0.0, py::none(), source->error().ToString());
  }
  auto* owned = new std::vector<double>(std::move(values));
  py::capsule owner(owned, [](void* p) { delete static_cast<std::vector<double>*>(p); });
  py::array_t<double> array({static_cast<py::ssize_t>(owned->size() / 6), py::ssize_t{6}}, owned->data(), owner);
  py::list names;
  for (const auto& c : source->channels()) names.append(py::make_tuple(c.input, c.channel));
  return py::make_tuple(0, array, rate, names, std::string());
}

// accuracy(front_end, numeric, cls) -> (points as columns, summary)
py::tuple Accuracy(const std::string& front_end, const std::string& numeric, const std::string& cls) {
  meter::host_sim::CampaignOptions options;
  if (front_end != "mv5" && front_end != "av5") throw py::value_error("front_end '" + front_end + "': mv5 or av5");
  if (numeric != "float" && numeric != "q31") throw py::value_error("numeric '" + numeric + "': float or q31");
  options.front_end = front_end == "av5" ? meter::host_sim::FrontEndKind::kAv5 : meter::host_sim::FrontEndKind::kMv5;
  options.q31 = numeric == "q31";
  if (cls == "0.5S") {
    options.accuracy_class = meter::host_sim::AccuracyClass::k0_5S;
  } else if (cls == "0.2S") {
    options.accuracy_class = meter::host_sim::AccuracyClass::k0_2S;
  } else if (cls == "0.1S") {
    options.accuracy_class = meter::host_sim::AccuracyClass::k0_1S;
  } else {
    throw py::value_error("cls '" + cls + "': 0.1S, 0.2S or 0.5S");
  }
  meter::host_sim::CampaignResult result;
  {
    py::gil_scoped_release release;
    result = meter::host_sim::RunCampaign(options, nullptr);
  }
  py::dict columns;
  std::vector<std::string> test, quantity, kind, pf, note;
  std::vector<double> i_over_in, f_hz, error_pct, limit_pct;
  std::vector<bool> pass;
  for (const auto& p : result.points) {
    test.push_back(p.test);
    quantity.push_back(p.quantity);
    kind.push_back(p.kind);
    pf.push_back(p.pf);
    note.push_back(p.note);
    i_over_in.push_back(p.i_over_in);
    f_hz.push_back(p.f_hz);
    error_pct.push_back(p.error_pct);
    limit_pct.push_back(p.limit_pct_selected);
    pass.push_back(p.pass);
  }
  columns["test"] = test;
  columns["quantity"] = quantity;
  columns["kind"] = kind;
  columns["i_over_in"] = i_over_in;
  columns["pf"] = pf;
  columns["f_hz"] = f_hz;
  columns["error_pct"] = error_pct;
  columns["limit_pct"] = limit_pct;
  columns["pass"] = pass;
  columns["note"] = note;
  const Json summary = Json::parse(meter::host_sim::CampaignJson(result));
  return py::make_tuple(columns, ToPython(summary));
}

}  // namespace

PYBIND11_MODULE(_meter_core, m) {
  m.doc() = "The metering core (C++), for the meter_core package";
  py::class_<Meter>(m, "Meter")
      .def(py::init<double, const std::string&, int, const std::string&, double, double, int, int>(), py::arg("rate"),
           py::arg("wiring"), py::arg("nominal_hz"), py::arg("numeric"), py::arg("un"), py::arg("in_"),
           py::arg("max_order"), py::arg("pulse_wh"))
      .def("process", &Meter::Process, py::arg("samples"))
      .def_property_readonly("registers", &Meter::Registers)
      .def_property_readonly("frames", &Meter::frames);
  m.def("replay_file", &ReplayPath, py::arg("path"), py::arg("options"));
  m.def("replay_array", &ReplayArray, py::arg("samples"), py::arg("options"));
  m.def("read_recording", &ReadRecording, py::arg("path"), py::arg("options"));
  m.def("accuracy", &Accuracy, py::arg("front_end"), py::arg("numeric"), py::arg("cls"));
}
