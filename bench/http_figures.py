#!/usr/bin/python3
"""HTTPS figures for docs/WEB.md, on the loopback interface only.

    bench/http_figures.py status [--seconds 30] [--connections 16]  # /api/v1/status requests/s (wrk)
    bench/http_figures.py dashboard [--seconds 60]                  # meter-linux CPU with the dashboard open
    bench/http_figures.py database [--seconds 600]                  # load-profile bytes per record and per year

Every run meters a 3P4W 8 kSPS source in real time (the database figure
replays as fast as possible) and reports meter-linux's lost_frames. With
--meter-cpu/--client-cpu the service and the load are pinned to one core each.
"""
import argparse
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "tests", "interfaces"))
from modbus_load import BUILD, cpu_seconds, start_meter  # noqa: E402

METER_LINUX = os.environ.get("METER_LINUX", os.path.join(BUILD, "firmware_hal", "linux", "meter-linux"))
METER_SIM = os.environ.get("METER_SIM", os.path.join(BUILD, "host_sim", "meter-sim"))


def https_port(err_path):
    deadline = time.time() + 10
    while time.time() < deadline:
        match = re.search(r"HTTPS on 127\.0\.0\.1:(\d+)", open(err_path).read())
        if match:
            return int(match.group(1))
        time.sleep(0.05)
    raise RuntimeError("no HTTPS port: " + open(err_path).read())


def stop(process, err_path):
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=30)
    match = re.search(r"lost_frames (\d+)", open(err_path).read())
    return int(match.group(1)) if match else None


def status(args):
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed (scripts/setup.sh installs Debian's wrk)")
    work = tempfile.mkdtemp(prefix="meter-http-bench-")
    try:
        process, _, _, err = start_meter(METER_LINUX, METER_SIM, work, args.seconds + 20,
                                         ["--http", "127.0.0.1:0", "--no-json-lines"], cpu=args.meter_cpu)
        port = https_port(err)
        token = open(os.path.join(work, "state", "api-token")).read().strip()
        command = ["wrk", "-t", "2", "-c", str(args.connections), "-d", "%ds" % args.seconds, "--latency",
                   "-H", "Authorization: Bearer " + token, "https://127.0.0.1:%d/api/v1/status" % port]
        if args.client_cpu is not None:
            command = ["taskset", "-c", str(args.client_cpu)] + command
        before = cpu_seconds(process.pid)
        out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
        used = cpu_seconds(process.pid) - before
        lost = stop(process, err)
        rate = re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)
        p50 = re.search(r"^\s*50%\s+(\S+)", out, re.M).group(1)
        p99 = re.search(r"^\s*99%\s+(\S+)", out, re.M).group(1)
        non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
        print("status: %s requests/s over %d connections for %d s, p50 %s, p99 %s, meter-linux %.0f %% of a core, "
              "non-2xx %s, lost_frames %s" % (rate, args.connections, args.seconds, p50, p99, 100 * used / args.seconds,
                                             non_2xx.group(1) if non_2xx else 0, lost))
    finally:
        shutil.rmtree(work, ignore_errors=True)


def dashboard(args):
    from web_test import chromium_driver
    from selenium.webdriver.common.by import By
    results = {}
    for with_page in (False, True):
        work = tempfile.mkdtemp(prefix="meter-http-bench-")
        driver = None
        try:
            process, _, _, err = start_meter(METER_LINUX, METER_SIM, work, args.seconds + 30,
                                             ["--http", "127.0.0.1:0", "--no-json-lines"], cpu=args.meter_cpu)
            port = https_port(err)
            if with_page:
                token = open(os.path.join(work, "state", "api-token")).read().strip()
                driver = chromium_driver(1280)
                driver.get("https://localhost:%d/login" % port)
                driver.find_element(By.ID, "token").send_keys(token)
                driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
                time.sleep(3)
            else:
                time.sleep(3)
            before = cpu_seconds(process.pid)
            time.sleep(args.seconds)
            used = cpu_seconds(process.pid) - before
            requests_seen = None
            if driver is not None:
                requests_seen = driver.execute_script("return performance.getEntriesByType('resource').length")
                driver.quit()
                driver = None
            lost = stop(process, err)
            results[with_page] = (100 * used / args.seconds, lost, requests_seen)
        finally:
            if driver is not None:
                driver.quit()
            shutil.rmtree(work, ignore_errors=True)
    print("dashboard: meter-linux %.2f %% of a core without the page, %.2f %% with it open (1 s updates, %s requests "
          "in the page's log); lost_frames %s and %s" % (results[False][0], results[True][0], results[True][2],
                                                         results[False][1], results[True][1]))


def database(args):
    work = tempfile.mkdtemp(prefix="meter-http-bench-")
    try:
        process, _, _, err = start_meter(METER_LINUX, METER_SIM, work, args.seconds,
                                         ["--load-profile", "--load-profile-short-period-s", "1",
                                          "--load-profile-period-s", "60", "--no-json-lines"], speed="0")
        while "source ended" not in open(err).read():
            time.sleep(0.2)
        stop(process, err)
        path = os.path.join(work, "state", "load-profile.sqlite")
        db = sqlite3.connect(path)
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        rows = db.execute("SELECT count(*) FROM profile").fetchone()[0]
        pages = db.execute("PRAGMA page_count").fetchone()[0] - db.execute("PRAGMA freelist_count").fetchone()[0]
        page_size = db.execute("PRAGMA page_size").fetchone()[0]
        db.close()
        per_row = pages * page_size / rows
        year = 365 * 96
        month = 31 * 1440
        print("database: %d records in %d bytes: %.0f bytes per record; a year of 15-minute records %.1f MB, "
              "31 days of 1-minute records %.1f MB, both %.1f MB" % (rows, pages * page_size, per_row, per_row * year / 1e6,
                                                                   per_row * month / 1e6, per_row * (year + month) / 1e6))
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("figure", choices=["status", "dashboard", "database"])
    parser.add_argument("--seconds", type=int)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--meter-cpu", type=int)
    parser.add_argument("--client-cpu", type=int)
    args = parser.parse_args()
    if args.seconds is None:
        args.seconds = {"status": 30, "dashboard": 60, "database": 600}[args.figure]
    {"status": status, "dashboard": dashboard, "database": database}[args.figure](args)


if __name__ == "__main__":
    main()
