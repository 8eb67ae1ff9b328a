#!/usr/bin/python3
"""Modbus TCP under load while meter-linux meters in real time.

Starts meter-linux on a generated 3P4W recording at 8 kSPS, paced in real time
(--speed 1), with its Modbus TCP server on the loopback interface. N clients
then poll a 60-register read (FC04, the Carlo Gavazzi block) as fast as they
can, each on its own connection. Prints requests per second, the p50 and p99
latency of that read, and the frames the metering loop lost (the service's
own count, read from register 0x1068 and from its exit line).

    bench/modbus_load.py --seconds 60 [--clients 50] [--meter-cpu 0 --client-cpu 1]

With --meter-cpu and --client-cpu the service and the clients are pinned to
one core each (taskset), so the figure is what one core serves while it
meters. Loopback only: nothing leaves the machine.
"""
import argparse
import json
import os
import re
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

BUILD = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "build", "host")


def start_meter(meter_linux, meter_sim, work, seconds, extra, cpu=None, speed="1"):
    """Generates the recording, starts meter-linux; returns (process, port, stdout path, stderr path)."""
    csv = os.path.join(work, "load.csv")
    scan = os.path.join(work, "load.scan")
    subprocess.run([meter_sim, "generate", csv, "--seconds", str(seconds), "--rate", "8000", "--f", "50", "--un", "230",
                    "--i", "4", "--phi", "30", "--i-harmonic", "5:0.1"], check=True, stdout=subprocess.DEVNULL)
    subprocess.run([meter_sim, "replay", csv, "--wiring", "3p4w", "--json", "--no-progress", "--numeric", "q31", "--rate",
                    "8000", "--un", "230", "--in", "5", "--export-scan", scan], check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    out = os.path.join(work, "meter.jsonl")
    err = os.path.join(work, "meter.err")
    command = [meter_linux, "--source", scan, "--rate", "8000", "--un", "230", "--in", "5", "--speed", speed, "--linger",
               "--state-dir", os.path.join(work, "state"), "--modbus-tcp", "127.0.0.1:0"] + extra
    if cpu is not None:
        command = ["taskset", "-c", str(cpu)] + command
    process = subprocess.Popen(command, stdout=open(out, "w"), stderr=open(err, "w"))
    deadline = time.time() + 10
    while time.time() < deadline:
        match = re.search(r"Modbus TCP on 127\.0\.0\.1:(\d+)", open(err).read())
        if match:
            return process, int(match.group(1)), out, err
        time.sleep(0.02)
    process.kill()
    raise RuntimeError("meter-linux did not start: " + open(err).read())


def read_registers(sock, transaction, function, address, count, unit=1):
    """One request on a connected socket; returns (words or None, exception code or None)."""
    sock.sendall(struct.pack(">HHHBBHH", transaction & 0xFFFF, 0, 6, unit, function, address, count))
    header = recv_exact(sock, 7)
    _, _, length, _ = struct.unpack(">HHHB", header)
    body = recv_exact(sock, length - 1)
    if body[0] & 0x80:
        return None, body[1]
    return list(struct.unpack(">%dH" % (body[1] // 2), body[2:])), None


def recv_exact(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise ConnectionError("closed by the server")
        data += chunk
    return data


def hammer(port, clients, seconds, registers):
    """Clients poll as fast as they can; returns (latencies in s, errors)."""
    latencies = []
    errors = []
    lock = threading.Lock()
    stop = time.time() + seconds

    def client(index):
        mine = []
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                transaction = 0
                while time.time() < stop:
                    transaction += 1
                    t0 = time.perf_counter()
                    words, exception = read_registers(sock, transaction, 4, 0x0000, registers)
                    mine.append(time.perf_counter() - t0)
                    if words is None or len(words) != registers:
                        raise RuntimeError("client %d: exception %s" % (index, exception))
        except Exception as e:  # noqa: BLE001 - every failure is reported
            with lock:
                errors.append(str(e))
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, errors


def lost_frames_register(port):
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        words, _ = read_registers(sock, 1, 3, 0x1068, 4)
    value = 0
    for w in words:
        value = (value << 16) | w
    return value


def cpu_seconds(pid):
    """User + system CPU time of a process (its threads included), from /proc."""
    fields = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def meter_pid(process):
    """The meter-linux process (under taskset it is the same process, exec'd)."""
    return process.pid


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100.0 * len(ordered)))]


def run(meter_linux, meter_sim, seconds, clients, registers, meter_cpu=None, client_cpu=None):
    with tempfile.TemporaryDirectory() as work:
        process, port, _, err = start_meter(meter_linux, meter_sim, work, seconds + 4,
                                            ["--modbus-max-clients", str(max(32, clients + 8))], meter_cpu)
        try:
            if client_cpu is not None:
                os.sched_setaffinity(0, {client_cpu})
            time.sleep(1.0)
            t0 = time.time()
            cpu0 = cpu_seconds(meter_pid(process))
            latencies, errors = hammer(port, clients, seconds, registers)
            elapsed = time.time() - t0
            meter_cpu_share = (cpu_seconds(meter_pid(process)) - cpu0) / elapsed
            # Let the source finish: the loop must have kept every sample to the end.
            while "source ended" not in open(err).read() and process.poll() is None:
                time.sleep(0.1)
            lost_register = lost_frames_register(port)
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=20)
        match = re.search(r"(\d+) frames, (\d+) windows, lost_frames (\d+)", open(err).read())
        return {
            "clients": clients,
            "registers_per_read": registers,
            "seconds": round(elapsed, 2),
            "requests": len(latencies),
            "requests_per_s": round(len(latencies) / elapsed, 1),
            "p50_ms": round(1e3 * percentile(latencies, 50), 3) if latencies else None,
            "p99_ms": round(1e3 * percentile(latencies, 99), 3) if latencies else None,
            "meter_linux_cpu_percent": round(100 * meter_cpu_share, 1),
            "errors": errors,
            "frames": int(match.group(1)) if match else None,
            "lost_frames": int(match.group(3)) if match else None,
            "lost_frames_register": lost_register,
            "exit_status": process.returncode,
        }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--meter-linux", default=os.path.join(BUILD, "firmware_hal", "linux", "meter-linux"))
    parser.add_argument("--meter-sim", default=os.path.join(BUILD, "host_sim", "meter-sim"))
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--registers", type=int, default=60)
    parser.add_argument("--meter-cpu", type=int)
    parser.add_argument("--client-cpu", type=int)
    args = parser.parse_args()
    result = run(args.meter_linux, args.meter_sim, args.seconds, args.clients, args.registers, args.meter_cpu, args.client_cpu)
    print(json.dumps(result, indent=2))
    return 0 if not result["errors"] and result["lost_frames"] == 0 and result["exit_status"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
