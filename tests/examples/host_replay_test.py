"""examples/host_replay built against the installed package, as an
integrator builds it: `cmake --install` of this build into a prefix of its
own, the example configured with find_package(meter-core) from that prefix
alone, then fed a known signal. Fails if any step fails or a figure is off.

Usage: host_replay_test.py BUILD_DIR SOURCE_DIR
"""
import math
import os
import shutil
import subprocess
import sys

RATE_HZ = 8000
SECONDS = 2.2
V_RMS, I_RMS, LAG_DEG, H5_FRACTION = 230.0, 5.0, 30.0, 0.03


def run(*cmd, **kwargs):
    print("+", " ".join(cmd), flush=True)
    return subprocess.run(cmd, check=True, **kwargs)


def write_signal(path):
    """3P4W, 50 Hz, a 3 % 5th harmonic on the voltages, sinusoidal currents."""
    with open(path, "w") as out:
        out.write("va,vb,vc,ia,ib,ic\n")
        for k in range(int(SECONDS * RATE_HZ)):
            t = k / RATE_HZ
            row = []
            for kind in ("v", "i"):
                for p in range(3):
                    a = 2 * math.pi * 50 * t - 2 * math.pi * p / 3
                    if kind == "v":
                        x = V_RMS * math.sqrt(2) * (math.sin(a) + H5_FRACTION * math.sin(5 * a))
                    else:
                        x = I_RMS * math.sqrt(2) * math.sin(a - math.radians(LAG_DEG))
                    row.append(f"{x:.6f}")
            out.write(",".join(row) + "\n")


def main():
    build_dir, source_dir = sys.argv[1], sys.argv[2]
    work = os.path.join(build_dir, "example-host-replay")
    prefix, example_build = os.path.join(work, "prefix"), os.path.join(work, "build")
    shutil.rmtree(work, ignore_errors=True)
    run("cmake", "--install", build_dir, "--prefix", prefix, stdout=subprocess.DEVNULL)
    # Only the prefix: the example must not see this tree's sources.
    run("cmake", "-S", os.path.join(source_dir, "examples", "host_replay"), "-B", example_build, "-G", "Ninja",
        "-DCMAKE_BUILD_TYPE=Release", f"-DCMAKE_PREFIX_PATH={prefix}")
    run("cmake", "--build", example_build)
    signal = os.path.join(work, "signal.csv")
    write_signal(signal)
    out = run(os.path.join(example_build, "host-replay"), str(RATE_HZ), signal,
              capture_output=True, text=True).stdout
    print(out)

    windows = [line.split() for line in out.splitlines() if line[:1].isdigit()]
    registers = dict(line.split() for line in out.splitlines() if line.startswith("kw") or line.startswith("kvar"))
    failures = []

    def check(what, got, want, tolerance):
        if not abs(got - want) <= tolerance:
            failures.append(f"{what}: {got} (want {want} +- {tolerance})")

    if len(windows) < 10:
        failures.append(f"{len(windows)} windows in {SECONDS} s at 50 Hz (want 10)")
    v_rms = V_RMS * math.sqrt(1 + H5_FRACTION ** 2)
    p_w = 3 * V_RMS * I_RMS * math.cos(math.radians(LAG_DEG))
    for w in windows[1:]:  # the first window starts the crossing tracking
        f_hz, va_v, ia_a, total_p_w, thd_v_pct, flags = (float(w[1]), float(w[2]), float(w[3]), float(w[4]),
                                                         float(w[6]), w[7])
        check("f_hz", f_hz, 50.0, 1e-3)
        check("va_v", va_v, v_rms, 2e-4 * v_rms)
        check("ia_a", ia_a, I_RMS, 2e-4 * I_RMS)
        check("p_w", total_p_w, p_w, 2e-4 * p_w)
        check("thd_v_pct", thd_v_pct, 100 * H5_FRACTION, 0.01)
        if flags != "0x0":
            failures.append(f"window {w[0]} flagged {flags}")
    # Every whole cycle after the first crossing is counted: at most the
    # start-up (under 0.1 s) is missing from the import register.
    kwh = float(registers.get("kwh_import", "nan"))
    if not (p_w * (SECONDS - 0.1) / 3.6e6 <= kwh <= p_w * SECONDS / 3.6e6):
        failures.append(f"kwh_import {kwh} outside [{p_w * (SECONDS - 0.1) / 3.6e6}, {p_w * SECONDS / 3.6e6}]")
    check("kwh_export", float(registers.get("kwh_export", "nan")), 0.0, 0.0)
    for f in failures:
        print("FAIL:", f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
