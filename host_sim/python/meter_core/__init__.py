"""The metering core from Python: the C++ core of meter-sim and meter-linux.

    import meter_core
    df = meter_core.replay("record.cfg", wiring="3p4w")       # one row per window, t_s as the index
    m = meter_core.Meter(rate=8000.0, wiring="3p4w")          # streaming
    windows = m.process(samples)                              # (N, 6) float64: va vb vc ia ib ic
    m.registers                                               # every register, exact and in kWh

Results are `meter-sim replay --json`'s, value for value: the same replay
code, the same JSON writer. Errors are the command line's messages, raised as
ValueError (bad options or data) or OSError (a file that cannot be read).
docs/PYTHON.md has the whole story.
"""
import os
import warnings

import numpy as np
import pandas as pd

from . import _meter_core

__all__ = ["Meter", "replay", "read_recording", "accuracy", "ReplayError"]

PROGRAM_PREFIX = "meter-sim: "


class ReplayError(ValueError):
    """A recording or an option the replay refused; the message is meter-sim's."""


def _lines(messages):
    return [line[len(PROGRAM_PREFIX):] if line.startswith(PROGRAM_PREFIX) else line
            for line in messages.splitlines() if line.strip()]


def _raise_for(status, messages, path=None):
    lines = _lines(messages)
    text = "\n".join(lines) or "replay failed (exit status %d)" % status
    if path is not None and not os.path.exists(path):
        raise FileNotFoundError(2, text, path)
    if path is not None and any("cannot open" in l or "cannot read" in l or "Permission denied" in l for l in lines):
        raise OSError(text)
    raise ReplayError(text)


def _options(rate=None, wiring="3p4w", nominal_hz=None, numeric="float", un=230.0, in_=5.0, max_order=31,
             pulse_wh=0, map=None, dat=None, scale=None):
    options = dict(rate=rate, wiring=wiring, nominal_hz=nominal_hz, numeric=numeric, un=float(un), in_=float(in_),
                   max_order=int(max_order), pulse_wh=int(pulse_wh), map=map, dat=dat, scale=scale)
    return {k: v for k, v in options.items() if v is not None}


class Meter:
    """A meter that keeps its state between calls to process().

    Meter(rate=8000.0, wiring="3p4w", nominal_hz=50, numeric="float", un=230.0, in_=5.0, max_order=31, pulse_wh=0)

    process(samples) takes an (N, channels) array: float64 primary values (V,
    A), or for numeric="q31" int32 ADC codes (float64 values are quantised as
    meter-sim does). Channels: va vb vc ia ib ic, or the wiring's own
    (1p2w: va ia). It returns the windows completed during the call, as the
    JSON-lines objects (dicts).
    """

    def __init__(self, rate=8000.0, wiring="3p4w", nominal_hz=50, numeric="float", un=230.0, in_=5.0, max_order=31,
                 pulse_wh=0):
        self._meter = _meter_core.Meter(float(rate), str(wiring), int(nominal_hz), str(numeric), float(un), float(in_),
                                        int(max_order), int(pulse_wh))
        self.rate = float(rate)
        self.wiring = wiring
        self.numeric = numeric

    def process(self, samples):
        return self._meter.process(np.asarray(samples))

    @property
    def registers(self):
        """Every register: exact integers (milli-units) and kilo-units, hours."""
        return self._meter.registers

    @property
    def frames(self):
        return self._meter.frames


def _frame(columns, summary, messages):
    df = pd.DataFrame(columns)
    if "t_s" in df.columns:
        df = df.set_index("t_s")
    df.attrs["summary"] = summary
    df.attrs["registers"] = dict(summary.get("energy", {}), hours=summary.get("hours"), pulses=summary.get("pulses"))
    df.attrs["messages"] = _lines(messages)
    return df


def replay(source, **options):
    """Replays a recording (a path: COMTRADE .cfg/.cff, WAV, CSV) or an array
    (N, channels) with rate=...; returns a DataFrame, one row per window.

    Options are meter-sim replay's: rate, wiring, nominal_hz, numeric, un,
    in_, max_order, pulse_wh, map, dat, scale. df.attrs holds the summary
    (meter-sim's summary line), the registers and the reader's messages;
    warnings are also issued as Python warnings.
    """
    opts = _options(**options)
    if isinstance(source, (str, os.PathLike)):
        path = os.fspath(source)
        status, columns, summary, messages = _meter_core.replay_file(path, opts)
        if status != 0:
            _raise_for(status, messages, path)
    else:
        status, columns, summary, messages = _meter_core.replay_array(np.asarray(source), opts)
        if status != 0:
            _raise_for(status, messages)
    for line in _lines(messages):
        if "warning:" in line:
            warnings.warn(line, stacklevel=2)
    return _frame(columns, summary, messages)


def read_recording(path, map=None, **options):
    """Reads a recording: (array (N, 6) of va vb vc ia ib ic in primary units,
    rate in Hz, [(input, channel), ...] the recording channel behind each
    input). CSV needs rate=...; map, dat, scale and wiring as in replay()."""
    path = os.fspath(path)
    status, array, rate, names, messages = _meter_core.read_recording(path, _options(map=map, **options))
    if status != 0:
        _raise_for(status, messages, path)
    return array, rate, names


def accuracy(front_end="mv5", numeric="float", cls="0.5S"):
    """The IEC 62053-22/23 accuracy campaign (meter-sim accuracy): one row per
    point; df.attrs["summary"] is the campaign's JSON (pass per class, the
    calibration, the registers' timing)."""
    columns, summary = _meter_core.accuracy(front_end, numeric, cls)
    df = pd.DataFrame(columns)
    df.attrs["summary"] = summary
    return df
