#!/usr/bin/python3
"""Figures of the meter_core Python package for docs/PYTHON.md.

    PYTHONPATH=build/host/python bench/python_figures.py replay [--seconds 60] [--runs 5]
    PYTHONPATH=build/host/python bench/python_figures.py many [--files 8] [--seconds 60]

`replay`: meter_core.replay against `meter-sim replay --json` on the same
generated 3P4W 8 kSPS CSV recording (best of --runs each; both read the file
with the same reader). `many`: meter_core.dask.replay_many on a LocalCluster
of 2 worker processes (127.0.0.1) against `meter-sim replay DIR` on 2 cores.
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

import meter_core

BUILD = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "build", "host")
METER_SIM = os.environ.get("METER_SIM", os.path.join(BUILD, "host_sim", "meter-sim"))


def generate(path, seconds, f=50.0):
    subprocess.run([METER_SIM, "generate", path, "--seconds", str(seconds), "--rate", "8000", "--f", str(f), "--un", "230",
                    "--i", "4", "--phi", "30", "--v-harmonic", "5:0.03", "--i-harmonic", "3:0.2", "--noise", "0.001"],
                   check=True, stdout=subprocess.DEVNULL)


def best(function, runs):
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def replay(args):
    work = tempfile.mkdtemp(prefix="meter-py-bench-")
    try:
        csv = os.path.join(work, "rec.csv")
        generate(csv, args.seconds)
        cli = best(lambda: subprocess.run([METER_SIM, "replay", csv, "--wiring", "3p4w", "--rate", "8000", "--json",
                                           "--no-progress"], check=True, stdout=subprocess.DEVNULL,
                                          stderr=subprocess.DEVNULL), args.runs)
        py = best(lambda: meter_core.replay(csv, rate=8000.0, wiring="3p4w"), args.runs)
        array, _, _ = meter_core.read_recording(csv, rate=8000.0)
        arr = best(lambda: meter_core.replay(array, rate=8000.0, wiring="3p4w"), args.runs)
        print("replay of a %d s recording (best of %d): meter-sim replay --json %.3f s, meter_core.replay(path) %.3f s "
              "(%+.1f %%), meter_core.replay(array) %.3f s (%+.1f %%; the CSV already read)"
              % (args.seconds, args.runs, cli, py, 100 * (py / cli - 1), arr, 100 * (arr / cli - 1)))
    finally:
        shutil.rmtree(work, ignore_errors=True)


def many(args):
    import distributed
    import meter_core.dask
    work = tempfile.mkdtemp(prefix="meter-py-bench-")
    try:
        paths = []
        for k in range(args.files):
            path = os.path.join(work, "rec%02d.csv" % k)
            generate(path, args.seconds, f=49.9 + 0.02 * k)
            paths.append(path)
        start = time.perf_counter()
        subprocess.run(["taskset", "-c", "0,1", METER_SIM, "replay", work, "--wiring", "3p4w", "--rate", "8000", "--json",
                        "--no-progress"], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        cli = time.perf_counter() - start
        with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                      dashboard_address=None, silence_logs=40) as cluster, \
                distributed.Client(cluster) as client:
            client.run(lambda: __import__("meter_core"))  # workers import the package before the clock starts
            start = time.perf_counter()
            df = meter_core.dask.replay_many(paths, client=client, rate=8000.0, wiring="3p4w")
            dask_s = time.perf_counter() - start
        signal = args.files * args.seconds
        print("%d recordings of %d s: meter-sim replay DIR on 2 cores %.2f s (%.0fx real time); replay_many on 2 Dask "
              "workers %.2f s (%.0fx real time, %+.0f %%); %d rows, %d errors"
              % (args.files, args.seconds, cli, signal / cli, dask_s, signal / dask_s, 100 * (dask_s / cli - 1), len(df),
                 len(df.attrs["errors"])))
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("figure", choices=["replay", "many"])
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--files", type=int, default=8)
    args = parser.parse_args()
    {"replay": replay, "many": many}[args.figure](args)


if __name__ == "__main__":
    sys.exit(main())
