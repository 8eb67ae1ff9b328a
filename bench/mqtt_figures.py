#!/usr/bin/python3
"""MQTT figures for docs/MQTT.md, against Debian's mosquitto on 127.0.0.1 over TLS.

    bench/mqtt_figures.py cadence [--seconds 60]     # messages/s and CPU share at a 1 s cadence
    bench/mqtt_figures.py queue [--records 300]      # queue bytes per day of 1-minute records
    bench/mqtt_figures.py outage [--minutes 10]      # delivery latency after an outage

The broker, certificates and clients are the test suite's (tests/interfaces/mqtt_test.py).
"""
import argparse
import json
import os
import shutil
import signal
import sqlite3
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "interfaces"))
from modbus_load import cpu_seconds  # noqa: E402
from mqtt_test import Broker, Listener, make_pki  # noqa: E402
from service_test import Service  # noqa: E402


def setup():
    work = tempfile.mkdtemp(prefix="meter-mqtt-bench-")
    make_pki(work)
    password = os.path.join(work, "mqtt-password")
    with open(password, "w") as f:
        f.write("s3cret-test\n")
    os.chmod(password, 0o600)
    broker = Broker(work)
    args = ["--mqtt", "mqtts://localhost:%d" % broker.port, "--mqtt-ca", os.path.join(work, "ca.pem"), "--mqtt-username",
            "meter", "--mqtt-password-file", password]
    return work, broker, args


def cadence(seconds):
    work, broker, args = setup()
    try:
        results = {}
        for name, extra in (("without MQTT", []), ("with MQTT", args + ["--mqtt-state-period-s", "1"])):
            listener = Listener(work, broker.port, ["meter-core/#"], client_id="bench-" + name.replace(" ", "-"))
            service = Service(work, name.replace(" ", "-"), extra, seconds=seconds + 6, current=20.0, rated=5.0, speed="1")
            time.sleep(3)
            cpu0, t0, n0 = cpu_seconds(service.process.pid), time.time(), len(listener.messages)
            time.sleep(seconds)
            cpu1, t1, n1 = cpu_seconds(service.process.pid), time.time(), len(listener.messages)
            service.stop()
            listener.close()
            results[name] = {"cpu_percent": round(100 * (cpu1 - cpu0) / (t1 - t0), 2),
                             "messages_per_s": round((n1 - n0) / (t1 - t0), 2)}
        return results
    finally:
        broker.stop()
        shutil.rmtree(work, ignore_errors=True)


def queue(records):
    work, broker, args = setup()
    broker.stop()  # nothing is delivered: every record stays in the queue
    try:
        seconds = records + 3
        service = Service(work, "queue", args + ["--mqtt-record-period-s", "1"], seconds=seconds, current=20.0, rated=5.0,
                          speed="1")
        service.wait_for_end(timeout=seconds + 60)
        service.stop()
        db = sqlite3.connect(os.path.join(service.state, "mqtt-queue.sqlite"))
        count, payload = db.execute("SELECT COUNT(*), SUM(LENGTH(payload)) FROM records").fetchone()
        pages = db.execute("PRAGMA page_count").fetchone()[0] * db.execute("PRAGMA page_size").fetchone()[0]
        db.close()
        return {"records": count, "payload_bytes_per_record": round(payload / count, 1),
                "database_bytes_per_record": round(pages / count, 1),
                "database_bytes_per_day_of_1_minute_records": round(pages / count * 1440)}
    finally:
        shutil.rmtree(work, ignore_errors=True)


def outage(minutes):
    work, broker, args = setup()
    try:
        listener = Listener(work, broker.port, ["meter-core/+/records"], client_id="bench-outage")
        total = 60 * minutes + 240
        service = Service(work, "outage", args, seconds=total, current=20.0, rated=5.0, speed="1")
        deadline = time.time() + 150
        while not listener.of("/records") and time.time() < deadline:
            time.sleep(0.5)
        broker.stop(signal.SIGTERM)
        stopped = time.time()
        time.sleep(60 * minutes)
        broker.start()
        restarted = time.time()
        seen_before = {json.loads(p)["seq"] for _, p, _ in listener.of("/records")}
        queued_until = restarted
        # Every record that closed during the outage, delivered: when did the last arrive?
        expected = int((restarted - stopped) // 60)
        arrival = None
        while time.time() < restarted + 180:
            got = {json.loads(p)["seq"] for _, p, _ in listener.of("/records")} - seen_before
            if len(got) >= expected:
                arrival = time.time()
                break
            time.sleep(0.05)
        service.stop()
        listener.close()
        return {"outage_minutes": round((restarted - stopped) / 60, 2), "records_queued": expected,
                "all_delivered_s_after_broker_restart": round(arrival - queued_until, 2) if arrival else None}
    finally:
        broker.stop()
        shutil.rmtree(work, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("figure", choices=["cadence", "queue", "outage"])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--records", type=int, default=300)
    parser.add_argument("--minutes", type=float, default=10)
    a = parser.parse_args()
    result = {"cadence": lambda: cadence(a.seconds), "queue": lambda: queue(a.records),
              "outage": lambda: outage(a.minutes)}[a.figure]()
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
