"""The meter_core Python package (pytest, Debian's python3).

Equality with `meter-sim replay --json` on every shared recording, value for
value; streaming in chunks equals one pass; arrays equal files; errors are
exceptions with the command line's messages, never a crash; the GIL is
released and float64 arrays are not copied; replay_many on a 2-worker Dask
LocalCluster (127.0.0.1) equals a serial replay.
"""
import json
import math
import os
import shutil
import subprocess
import tempfile
import threading
import tracemalloc

import numpy as np
import pandas as pd
import pytest

import meter_core

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
METER_SIM = os.environ.get("METER_SIM", os.path.join(ROOT, "build", "host", "host_sim", "meter-sim"))
SHARED = os.environ.get("METER_SHARED_DIR", os.path.join(ROOT, "..", "shared"))
RECORDINGS = os.path.join(SHARED, "recordings")
IN_CI = os.environ.get("CI") == "true"

# Options some shared recordings need (as the C++ CLI test gives them).
EXTRA = {
    "sample_ascii_utf-8.cfg": {"dat": "sample_ascii.dat"},
    "sample_sub_char.cfg": {"dat": "sample_ascii.dat"},
    "Comtrade1.cfg": {"map": "va=HV Bus VR,vb=HV Bus VS,vc=HV Bus VT,ia=HV IR,ib=HV IS,ic=HV IT", "un": 127000},
    "sample_float32.cff": {"map": "va=1", "nominal_hz": 50},
}


def shared_recordings():
    if not os.path.isdir(RECORDINGS):
        if IN_CI or os.environ.get("METER_REQUIRE_RECORDINGS"):
            pytest.fail("%s is absent: required under CI" % RECORDINGS)
        pytest.skip("../shared/recordings is absent (a user's clone): skipped")
    found = []
    for directory, _, files in os.walk(RECORDINGS):
        for name in sorted(files):
            if name.lower().endswith((".cfg", ".cff")):
                found.append(os.path.join(directory, name))
    return sorted(found)


def options_for(path):
    options = dict(EXTRA.get(os.path.basename(path), {}))
    if "dat" in options:
        options["dat"] = os.path.join(os.path.dirname(path), options["dat"])
    return options


def cli_args(options):
    args = []
    names = {"in_": "--in", "nominal_hz": "--nominal-hz", "max_order": "--max-order", "pulse_wh": "--pulse-wh"}
    for key, value in options.items():
        args += [names.get(key, "--" + key), str(value)]
    return args


def meter_sim_replay(path, options):
    out = subprocess.run([METER_SIM, "replay", path, "--wiring", options.get("wiring", "3p4w"), "--json", "--no-progress"]
                         + cli_args({k: v for k, v in options.items() if k != "wiring"}),
                         capture_output=True, text=True)
    lines = [json.loads(line) for line in out.stdout.splitlines() if line.strip()]
    return out.returncode, [l for l in lines if l["type"] == "window"], [l for l in lines if l["type"] == "summary"], out.stderr


def flatten(window):
    """A JSON-lines window as replay()'s columns."""
    row = {}
    for key, value in window.items():
        if key == "type":
            continue
        if key == "flags":
            row["flags"] = " ".join(value)
        elif key == "phases":
            for p, phase in enumerate(value):
                for name, x in phase.items():
                    row[name + "_" + "abc"[p]] = x
        elif key == "total":
            row.update(value)
        elif isinstance(value, list):
            for l, x in enumerate(value):
                row[key + ["_ab", "_bc", "_ca"][l]] = x
        else:
            row[key] = value
    return row


def assert_same(value, expected, where):
    if expected is None:
        assert value is None or (isinstance(value, float) and math.isnan(value)), where
    elif isinstance(expected, float) or isinstance(value, float):
        assert float(value) == float(expected), "%s: %r != %r" % (where, value, expected)
    else:
        assert value == expected, "%s: %r != %r" % (where, value, expected)


def assert_frame_equals_windows(df, windows, where):
    assert len(df) == len(windows), where
    for k, window in enumerate(windows):
        row = df.iloc[k]
        expected = flatten(window)
        assert df.index[k] == expected.pop("t_s"), where
        assert set(expected) == set(df.columns), where
        for key, value in expected.items():
            assert_same(row[key], value, "%s window %d %s" % (where, k, key))


def test_every_shared_recording_equals_meter_sim():
    replayed = with_windows = 0
    for path in shared_recordings():
        options = options_for(path)
        status, windows, summary, stderr = meter_sim_replay(path, options)
        replayed += 1
        if status != 0:
            # The same refusal, with the same message.
            with pytest.raises(meter_core.ReplayError) as error:
                meter_core.replay(path, **options)
            message = [l for l in stderr.splitlines() if "fewer than one complete window" in l or "empty" in l]
            assert message, stderr
            assert message[-1].replace("meter-sim: ", "", 1) in str(error.value)
            continue
        with_windows += 1
        df = meter_core.replay(path, **options)
        assert_frame_equals_windows(df, windows, path)
        assert df.attrs["summary"] == summary[0], path
        assert df.attrs["registers"]["kwh_imp"] == summary[0]["energy"]["kwh_imp"]
    assert replayed == 10
    assert with_windows == 3


def generated(tmp, seconds=3.0, **extra):
    csv = os.path.join(tmp, "gen.csv")
    args = [METER_SIM, "generate", csv, "--seconds", str(seconds), "--rate", "8000", "--f", "49.97", "--un", "230",
            "--i", "7", "--phi", "30", "--v-harmonic", "5:0.04", "--i-harmonic", "3:0.25"]
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL)
    return csv


@pytest.fixture(scope="module")
def recording():
    tmp = tempfile.mkdtemp(prefix="meter-py-")
    yield generated(tmp)
    shutil.rmtree(tmp, ignore_errors=True)


@pytest.mark.parametrize("numeric", ["float", "q31"])
def test_array_file_and_stream_agree(recording, numeric):
    options = dict(rate=8000.0, wiring="3p4w", numeric=numeric, un=230.0, in_=10.0)
    status, windows, summary, _ = meter_sim_replay(recording, options)
    assert status == 0
    from_file = meter_core.replay(recording, **options)
    assert_frame_equals_windows(from_file, windows, "file")
    array, rate, names = meter_core.read_recording(recording, rate=8000.0)
    assert array.shape == (24000, 6) and rate == 8000.0
    assert [n[0] for n in names] == ["va", "vb", "vc", "ia", "ib", "ic"]
    from_array = meter_core.replay(array, **options)
    assert_frame_equals_windows(from_array, windows, "array")
    assert from_array.attrs["summary"]["energy"] == summary[0]["energy"]
    # Streaming in uneven chunks gives the same windows as one pass.
    meter = meter_core.Meter(rate=8000.0, wiring="3p4w", numeric=numeric, un=230.0, in_=10.0)
    streamed = []
    rng = np.random.default_rng(5)
    at = 0
    while at < len(array):
        n = int(rng.integers(1, 3000))
        streamed += meter.process(array[at:at + n])
        at += n
    assert len(streamed) == len(windows)
    for mine, theirs in zip(streamed, windows):
        assert mine == theirs
    registers = meter.registers
    assert registers["kilo"]["kwh_imp"] == registers["milli"]["kwh_imp"] / 1e6
    # The stream ends without the file's flush of the last window's Q: the
    # active registers agree to the mWh.
    assert abs(registers["kilo"]["kwh_imp"] - summary[0]["energy"]["kwh_imp"]) < 1e-6


def test_q31_takes_int32_codes(recording):
    """ADC codes straight in equal the same values quantised by the meter."""
    array, _, _ = meter_core.read_recording(recording, rate=8000.0)
    # metering/config.h: full scales of the ratings (peak), as float; 24-bit codes.
    v_fs = np.float32(1.5 * 1.4142135623730950488 * 230.0)
    i_fs = np.float32(3.0 * 1.2 * 10.0)
    full = 2.0 ** 23
    values = array.astype(np.float32).astype(np.float64)
    scale = np.array([v_fs] * 3 + [i_fs] * 3, dtype=np.float32).astype(np.float64)
    codes = np.clip(np.rint(values / scale * full), -full, full - 1).astype(np.int32)
    from_codes = meter_core.Meter(rate=8000.0, numeric="q31", un=230.0, in_=10.0).process(codes)
    from_values = meter_core.Meter(rate=8000.0, numeric="q31", un=230.0, in_=10.0).process(array)
    assert len(from_codes) == len(from_values) > 10
    assert from_codes == from_values


@pytest.mark.parametrize("bad", [
    np.zeros((10, 5)), np.zeros((10,)), np.zeros((2, 3, 6)), np.array([["a"] * 6]), np.array([[None] * 6], dtype=object),
    np.zeros((10, 6), dtype=complex),
])
def test_bad_arrays_are_value_errors(bad):
    meter = meter_core.Meter()
    with pytest.raises(ValueError):
        meter.process(bad)
    with pytest.raises(ValueError):
        meter_core.replay(bad, rate=8000.0)


def test_odd_input_never_crashes():
    meter = meter_core.Meter()
    assert meter.process(np.zeros((0, 6))) == []
    windows = meter.process(np.full((8000, 6), np.nan))
    assert windows and all(any(f.startswith("non_finite") for f in w["flags"]) for w in windows[1:])
    big = meter.process(np.full((8000, 6), 1e30))
    assert all(any(f.startswith("clipped") for f in w["flags"]) for w in big[1:])
    assert meter.process(np.zeros((4000, 6), dtype=np.float32)) is not None  # converted
    assert meter.process(np.asfortranarray(np.zeros((4000, 6)))) is not None
    one_phase = meter_core.Meter(wiring="1p2w")
    assert one_phase.process(np.zeros((100, 2))) == []
    q31 = meter_core.Meter(numeric="q31")
    with pytest.raises(ValueError, match="not a number"):
        q31.process(np.full((10, 6), np.nan))
    with pytest.raises(ValueError, match="fewer than one complete window"):
        meter_core.replay(np.zeros((100, 6)), rate=8000.0)
    with pytest.raises(ValueError, match="empty"):
        meter_core.replay(np.zeros((0, 6)), rate=8000.0)


@pytest.mark.parametrize("kwargs, message", [
    (dict(wiring="4p5w"), "wiring '4p5w'"), (dict(numeric="double"), "numeric 'double'"), (dict(nominal_hz=55), "50 or 60"),
    (dict(rate=10.0), "outside the supported range"), (dict(un=-1.0), "positive"),
])
def test_bad_options_are_value_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        meter_core.Meter(**kwargs)


def test_file_errors_carry_the_command_line_message(tmp_path):
    with pytest.raises(FileNotFoundError) as error:
        meter_core.replay(str(tmp_path / "missing.cfg"))
    cli = subprocess.run([METER_SIM, "replay", str(tmp_path / "missing.cfg"), "--wiring", "3p4w", "--no-progress"], capture_output=True, text=True)
    assert cli.stderr.strip().replace("meter-sim: ", "", 1) in str(error.value)
    bad = tmp_path / "bad.csv"
    bad.write_text("va,vb,vc,ia,ib,ic\n1,2,x,4,5,6\n")
    with pytest.raises(ValueError) as error:
        meter_core.replay(str(bad), rate=8000.0)
    cli = subprocess.run([METER_SIM, "replay", str(bad), "--wiring", "3p4w", "--rate", "8000", "--no-progress"], capture_output=True, text=True)
    assert cli.returncode != 0
    assert cli.stderr.strip().splitlines()[-1].replace("meter-sim: ", "", 1) in str(error.value)
    with pytest.raises(ValueError, match="--rate is required"):
        meter_core.replay(str(bad))


def test_the_gil_is_released_and_arrays_are_not_copied():
    samples = np.zeros((4_000_000, 6))  # 192 MB
    t = np.arange(len(samples)) / 8000.0
    samples[:, 0] = 325.0 * np.sin(2 * np.pi * 50 * t)
    meter = meter_core.Meter()
    started, done = threading.Event(), threading.Event()
    counted = [0]

    def work():
        started.set()
        meter.process(samples)
        done.set()

    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    worker = threading.Thread(target=work)
    worker.start()
    started.wait()
    while not done.is_set():  # this thread runs only if process() let go of the GIL
        counted[0] += 1
    worker.join()
    peak = tracemalloc.get_traced_memory()[1] - before
    tracemalloc.stop()
    assert counted[0] > 10000, "the main thread did not run while the meter processed"
    assert peak < 20e6, "processing allocated %.0f MB: the array was copied" % (peak / 1e6)
    assert meter.frames == len(samples)


def test_accuracy_campaign_points():
    df = meter_core.accuracy(front_end="mv5", numeric="float", cls="0.5S")
    assert len(df) > 50
    assert {"test", "quantity", "i_over_in", "pf", "error_pct", "limit_pct", "pass"} <= set(df.columns)
    assert df["pass"].all()
    active = df[(df.quantity == "active") & (df.kind == "error")]
    assert (active.error_pct.abs() <= active.limit_pct).all()
    assert df.attrs["summary"]["pass"] is True
    with pytest.raises(ValueError, match="front_end"):
        meter_core.accuracy(front_end="xx")


def test_replay_many_on_a_local_dask_cluster(tmp_path):
    """Every shared recording (each with its own options) and a broken file,
    on 2 worker processes: exactly what a serial replay gives, errors
    included."""
    try:
        import distributed
    except ImportError:
        if IN_CI:
            raise
        pytest.skip("python3-distributed is not installed (scripts/setup.sh installs it)")
    import meter_core.dask
    bad = tmp_path / "broken.cfg"
    bad.write_text("not a comtrade file\n")
    items = [(p, options_for(p)) for p in shared_recordings()] + [(str(bad), {})]
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None, silence_logs=40) as cluster, distributed.Client(cluster) as client:
        df = meter_core.dask.replay_many(items, client=client, wiring="3p4w")
    expected_errors = {}
    replayed = 0
    for path, options in items:
        try:
            serial = meter_core.replay(path, wiring="3p4w", **options)
        except (ValueError, OSError) as error:
            expected_errors[path] = "%s: %s" % (type(error).__name__, error)
            continue
        replayed += 1
        mine = df[df.file == path].drop(columns="file")
        pd.testing.assert_frame_equal(mine, serial, check_exact=True)
        assert df.attrs["summaries"][path] == serial.attrs["summary"]
        assert df.attrs["registers"][path] == serial.attrs["registers"]
    assert replayed == 3
    assert df.attrs["errors"] == expected_errors
    assert str(bad) in df.attrs["errors"]
    assert list(dict.fromkeys(df.file)) == [p for p, _ in items if p not in expected_errors]  # in the order given
