#!/usr/bin/python3
"""The HTTPS API, the load-profile logger and the dashboard of meter-linux.

Real parts on the loopback interface only: curl and python3-requests for the
API, python3-jsonschema against docs/openapi.json, `openssl s_client` for the
TLS versions, SQLite's own integrity check after `kill -9`, and Debian's
chromium (headless, driven by chromedriver through python3-selenium) for the
dashboard. Under CI=true a missing part fails the test; elsewhere it skips.
Screenshots go to build/web-screenshots/ (METER_WEB_SHOTS overrides).
"""
import csv
import io
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from service_test import IN_CI, Service, require, window_of  # noqa: E402

ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
OPENAPI = os.path.join(ROOT, "docs", "openapi.json")
SHOTS = os.environ.get("METER_WEB_SHOTS", os.path.join(ROOT, "build", "web-screenshots"))

try:
    import requests
    import urllib3
    urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
except ImportError:  # reported by require() in each test
    requests = None
try:
    import jsonschema
except ImportError:
    jsonschema = None


def wait_window(service, sequence, timeout=10):
    """The JSON line of a window, once meter-linux's buffered stdout has it."""
    deadline = time.time() + timeout
    while True:
        try:
            return window_of(service, sequence)
        except AssertionError:
            if time.time() > deadline:
                raise
            time.sleep(0.1)


def token_of(service):
    with open(os.path.join(service.state, "api-token")) as f:
        return f.read().strip()


class Api:
    """requests against one service, with its certificate pinned as the CA."""

    def __init__(self, service):
        self.port = service.port("HTTPS")
        self.base = "https://localhost:%d" % self.port
        self.ca = os.path.join(service.state, "https-cert.pem")
        self.token = token_of(service)

    def get(self, path, token=True, **kw):
        headers = kw.pop("headers", {})
        if token:
            headers["Authorization"] = "Bearer " + (self.token if token is True else token)
        return requests.get(self.base + path, headers=headers, verify=self.ca, timeout=10, allow_redirects=False, **kw)


def validator_for(schema_name):
    with open(OPENAPI) as f:
        doc = json.load(f)
    schema = {"$ref": "#/components/schemas/" + schema_name, "components": doc["components"]}
    return jsonschema.Draft202012Validator(schema)


class HttpsApi(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        require(requests is not None, "python3-requests")
        require(jsonschema is not None, "python3-jsonschema")
        require(shutil.which("curl"), "curl")
        cls.work = tempfile.mkdtemp(prefix="meter-web-")
        # 200 s of a 3P4W recording, as fast as possible: 4 one-minute records.
        cls.service = Service(cls.work, "api", ["--http", "127.0.0.1:0", "--http-redirect", "127.0.0.1:0"], seconds=200)
        cls.service.wait_for_end()
        cls.api = Api(cls.service)
        # The replay's intervals lie on its own timeline from the start: a
        # range of two hours either side holds them all.
        now = int(time.time())
        cls.range = "from=%d&to=%d" % (now - 7200, now + 7200)

    @classmethod
    def tearDownClass(cls):
        cls.service.stop()
        shutil.rmtree(cls.work, ignore_errors=True)

    def test_every_endpoint_needs_the_token(self):
        for path in ["/api/v1/info", "/api/v1/status", "/api/v1/energy", "/api/v1/harmonics", "/api/v1/history",
                     "/api/v1/history.csv"]:
            r = self.api.get(path, token=False)
            self.assertEqual(r.status_code, 401, path)
            self.assertIn("error", r.json())
        # The page sends a browser without a session to the login page.
        r = self.api.get("/", token=False)
        self.assertEqual(r.status_code, 303)
        self.assertEqual(r.headers["Location"], "/login")
        self.assertEqual(self.api.get("/login", token=False).status_code, 200)

    def test_login_sets_a_secure_session_cookie(self):
        session = requests.Session()
        r = session.post(self.api.base + "/login", data={"token": self.api.token}, verify=self.api.ca, allow_redirects=False)
        self.assertEqual(r.status_code, 303)
        cookie = r.headers["Set-Cookie"]
        for attribute in ["Secure", "HttpOnly", "SameSite=Strict"]:
            self.assertIn(attribute, cookie)
        r = session.get(self.api.base + "/api/v1/status", verify=self.api.ca)
        self.assertEqual(r.status_code, 200)
        self.assertEqual(session.get(self.api.base + "/", verify=self.api.ca).status_code, 200)
        session.post(self.api.base + "/logout", verify=self.api.ca, allow_redirects=False)
        # The server forgot the session: the old cookie no longer opens anything.
        r = requests.get(self.api.base + "/api/v1/status", verify=self.api.ca,
                         cookies={"meter_session": r.cookies.get("meter_session") or cookie.split(";")[0].split("=")[1]})
        self.assertEqual(r.status_code, 401)

    def test_responses_follow_the_openapi_document(self):
        for path, schema in [("/api/v1/info", "Info"), ("/api/v1/status", "Status"), ("/api/v1/energy", "Energy"),
                             ("/api/v1/harmonics", "Harmonics"), ("/api/v1/history?%s&step=60" % self.range, "History"),
                             ("/api/v1/history?step=1d", "History"), ("/api/v1/history?step=abc", "Error"),
                             ("/api/v1/nothing", "Error")]:
            r = self.api.get(path)
            errors = sorted(validator_for(schema).iter_errors(r.json()), key=str)
            self.assertEqual(errors, [], path + ": " + "; ".join(e.message for e in errors[:5]))
        # Every path the document names is served.
        with open(OPENAPI) as f:
            for path in json.load(f)["paths"]:
                if path.startswith("/api/"):
                    self.assertEqual(self.api.get(path + ("?" + self.range if "history" in path else "")).status_code,
                                     200, path)

    def test_values_equal_the_json_window(self):
        status = self.api.get("/api/v1/status").json()
        window = window_of(self.service, status["sequence"])
        for key, value in window.items():
            self.assertEqual(status[key], value, key)
        self.assertEqual(status["lost_frames"], 0)
        info = self.api.get("/api/v1/info").json()
        self.assertEqual(info["serial"], "TEST0001")
        self.assertEqual(info["wiring"], "3p4w")
        self.assertTrue(info["registers_ready"])
        # The spectrum: the generator put 3 % of the 5th on V and 20 % of the 3rd on I.
        h = {c["channel"]: c for c in self.api.get("/api/v1/harmonics").json()["channels"]}
        self.assertEqual(sorted(h), ["ia", "ib", "ic", "va", "vab", "vb", "vbc", "vc", "vca"])
        self.assertEqual(len(h["va"]["magnitude"]), 31)
        self.assertAlmostEqual(h["va"]["magnitude"][4] / h["va"]["magnitude"][0], 0.03, delta=0.0005)
        self.assertAlmostEqual(h["ia"]["magnitude"][2] / h["ia"]["magnitude"][0], 0.20, delta=0.002)
        self.assertAlmostEqual(h["va"]["magnitude"][0], window["phases"][0]["v_rms"] / (1 + 0.03 ** 2) ** 0.5, delta=0.05)

    def test_energy_is_exact_and_in_kilo_units(self):
        energy = self.api.get("/api/v1/energy").json()
        self.assertTrue(energy["ready"])
        milli, kilo = energy["milli"], energy["kilo"]
        for key in ["kwh_imp", "kwh_exp", "kvarh_imp", "kvarh_exp", "kvah"]:
            self.assertIsInstance(milli[key], int)
            self.assertEqual(kilo[key], milli[key] / 1e6, key)
        self.assertGreater(milli["kwh_imp"], 0)
        self.assertEqual(sum(milli["kwh_q"]), milli["kwh_imp"] + milli["kwh_exp"])
        # Each counter keeps its own sub-mWh remainder: the phases' sum is
        # within one mWh per phase of the system's counter.
        self.assertLessEqual(abs(sum(p["kwh_imp"] for p in milli["phases"]) - milli["kwh_imp"]), 3)

    def test_history_equals_the_register_deltas(self):
        energy = self.api.get("/api/v1/energy").json()["milli"]
        names = ["kwh_imp", "kwh_exp", "kvarh_imp", "kvarh_exp", "kvah"]
        for step in ["60", "120", "900", "1h"]:
            rows = self.api.get("/api/v1/history?%s&step=%s" % (self.range, step)).json()["rows"]
            self.assertGreater(len(rows), 0, step)
            for name in names:
                self.assertEqual(sum(r["energy_milli"][name] for r in rows), energy[name], "%s at step %s" % (name, step))
            self.assertEqual(sum(r["energy_milli"]["kvarh_q%d" % (q + 1)] for r in rows for q in range(1)),
                             energy["kvarh_q"][0])
        rows = self.api.get("/api/v1/history?%s&step=60" % self.range).json()["rows"]
        # 200 s of source in 1-minute intervals: 4 or 5 rows (the start is not aligned); all windows counted.
        self.assertIn(len(rows), (4, 5))
        self.assertEqual(sum(r["windows"] for r in rows), len(self.service.windows()))
        self.assertFalse(rows[-1]["complete"])  # the service stopped inside the last interval
        p = [w["total"]["p_w"] for w in self.service.windows()]
        self.assertLessEqual(min(r["p_w"]["min"] for r in rows), min(p) + 1e-3)
        self.assertGreaterEqual(max(r["p_w"]["max"] for r in rows), max(p) - 1e-3)
        # The CSV says the same.
        text = self.api.get("/api/v1/history.csv?%s&step=60" % self.range).text
        table = list(csv.DictReader(io.StringIO(text)))
        self.assertEqual(len(table), len(rows))
        self.assertEqual(sum(int(r["d_kwh_imp_milli"]) for r in table), energy["kwh_imp"])

    def test_bad_parameters_get_400(self):
        for query in ["step=abc", "step=0", "step=7", "from=yesterday", "to=2026-13-01", "from=2026-02-30",
                      "from=100&to=50", "from=0&to=4000000000&step=1", "frm=1", "step=60&step=60", "from=%zz",
                      "from=1%00", "step=-60", "from=1e9"]:
            r = self.api.get("/api/v1/history?" + query)
            self.assertEqual(r.status_code, 400, query)
            self.assertTrue(r.json()["error"], query)
        r = self.api.get("/api/v1/history?from=2026-12-01T00:00:00Z&to=2026-12-02&step=15min")
        self.assertEqual(r.status_code, 200, r.text)
        self.assertEqual(r.json()["to_unix_s"] - r.json()["from_unix_s"], 86400)

    def test_outside_paths_and_oversized_requests(self):
        base = self.api.base
        for path in ["/etc/passwd", "/../../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/api/v2/status", "/api/v1/",
                     "/index.html/../../etc/passwd", "/app.js/..%2f..%2fetc%2fpasswd", "/.git/config"]:
            out = subprocess.run(["curl", "-s", "--path-as-is", "--cacert", self.api.ca, "-o", "/dev/null", "-w", "%{http_code}",
                                  "-H", "Authorization: Bearer " + self.api.token, base + path],
                                 capture_output=True, text=True, timeout=10)
            self.assertIn(out.stdout, ("404", "400"), path)
        r = requests.post(base + "/api/v1/status", headers={"Authorization": "Bearer " + self.api.token}, verify=self.api.ca)
        self.assertIn(r.status_code, (404, 405))
        r = self.api.get("/api/v1/status?x=" + "a" * 20000)
        self.assertIn(r.status_code, (400, 414))
        r = requests.post(base + "/login", data={"token": "x" * 100000}, verify=self.api.ca, allow_redirects=False)
        self.assertEqual(r.status_code, 413)
        r = self.api.get("/api/v1/status", headers={"X-Filler": "b" * 20000})
        self.assertIn(r.status_code, (400, 431))
        # The service still answers.
        self.assertEqual(self.api.get("/api/v1/status").status_code, 200)

    def test_plain_http_only_redirects(self):
        port = self.service.port("HTTP redirect")
        r = requests.get("http://127.0.0.1:%d/api/v1/status?x=1" % port, allow_redirects=False, timeout=5)
        self.assertEqual(r.status_code, 301)
        self.assertEqual(r.headers["Location"], "https://127.0.0.1:%d/api/v1/status?x=1" % self.api.port)
        self.assertNotIn("phases", r.text)

    def test_tls_versions_certificate_and_secret_files(self):
        require(shutil.which("openssl"), "openssl")

        def handshake(*flags):
            out = subprocess.run(["openssl", "s_client", "-connect", "127.0.0.1:%d" % self.api.port, "-servername", "localhost",
                                  "-CAfile", self.api.ca, "-verify_return_error"] + list(flags),
                                 input="", capture_output=True, text=True, timeout=15)
            return out.returncode == 0 and "Verify return code: 0 (ok)" in out.stdout
        # SECLEVEL=0 lets the client offer TLS 1.1 at all: the server must refuse it.
        self.assertFalse(handshake("-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0"))
        self.assertFalse(handshake("-tls1", "-cipher", "DEFAULT@SECLEVEL=0"))
        self.assertTrue(handshake("-tls1_2"))
        self.assertTrue(handshake("-tls1_3"))
        for name in ["api-token", "https-key.pem", "https-cert.pem"]:
            mode = os.stat(os.path.join(self.service.state, name)).st_mode & 0o777
            self.assertEqual(mode, 0o600, name)
        self.assertEqual(len(self.api.token), 64)
        self.assertIn("the API token is in " + os.path.join(self.service.state, "api-token"), self.service.stderr())
        # The certificate verifies for localhost and 127.0.0.1 (requests checks the name).
        self.assertEqual(requests.get("https://127.0.0.1:%d/login" % self.api.port, verify=self.api.ca).status_code, 200)


class FailedLogins(unittest.TestCase):
    def test_five_failures_a_minute_then_429_and_each_is_logged(self):
        require(requests is not None, "python3-requests")
        work = tempfile.mkdtemp(prefix="meter-web-")
        try:
            service = Service(work, "limit", ["--http", "127.0.0.1:0"], seconds=2)
            api = Api(service)
            for k in range(5):
                self.assertEqual(api.get("/api/v1/status", token="wrong-%d" % k).status_code, 401)
            r = api.get("/api/v1/status", token="wrong-again")
            self.assertEqual(r.status_code, 429)
            self.assertEqual(r.headers.get("Retry-After"), "60")
            # Now even the right token waits: guessing gains nothing.
            self.assertEqual(api.get("/api/v1/status").status_code, 429)
            r = requests.post(api.base + "/login", data={"token": api.token}, verify=api.ca, allow_redirects=False)
            self.assertEqual(r.status_code, 429)
            self.assertEqual(len(re.findall(r"HTTPS: failed login from 127\.0\.0\.1", service.stderr())), 5)
            self.assertEqual(service.stop(), 0)
        finally:
            shutil.rmtree(work, ignore_errors=True)


class LoadProfileSurvivesKill9(unittest.TestCase):
    def test_kill_9_during_writes_leaves_a_sound_database(self):
        work = tempfile.mkdtemp(prefix="meter-web-")
        try:
            # One-second records in real time: a write every second.
            service = Service(work, "kill", ["--load-profile", "--load-profile-short-period-s", "1"], seconds=30, speed="1")
            path = os.path.join(service.state, "load-profile.sqlite")
            deadline = time.time() + 20
            while time.time() < deadline:
                if os.path.exists(path) and self.count(path) >= 5:
                    break
                time.sleep(0.2)
            # Kill in the middle of an interval: the one before closed half a
            # second earlier, and must be on disk.
            time.sleep(1.5 - (time.time() % 1.0))
            killed_at = time.time()
            service.process.send_signal(signal.SIGKILL)
            service.process.wait(timeout=10)
            db = sqlite3.connect(path)
            self.assertEqual(db.execute("PRAGMA integrity_check").fetchone()[0], "ok")
            last = db.execute("SELECT max(start_unix_s) FROM profile WHERE period_s = 1").fetchone()[0]
            db.close()
            # Lost: at most the interval in progress.
            self.assertGreaterEqual(last, int(killed_at) - 1)
            # The service starts again on the same state and keeps logging.
            again = Service(work, "kill2", ["--load-profile", "--load-profile-short-period-s", "1"], seconds=3, speed="0",
                            state=service.state)
            again.wait_for_end()
            self.assertEqual(again.stop(), 0)
            db = sqlite3.connect(path)
            self.assertEqual(db.execute("PRAGMA integrity_check").fetchone()[0], "ok")
            db.close()
        finally:
            shutil.rmtree(work, ignore_errors=True)

    @staticmethod
    def count(path):
        try:
            db = sqlite3.connect(path, timeout=1)
            n = db.execute("SELECT count(*) FROM profile WHERE period_s = 1").fetchone()[0]
            db.close()
            return n
        except sqlite3.Error:
            return 0


def chromium_driver(width):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service as DriverService
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    for argument in ["--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=%d,1000" % width,
                     "--ignore-certificate-errors", "--no-first-run", "--disable-extensions",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--disable-default-apps", "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost"]:
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=DriverService(shutil.which("chromedriver")), options=options)


class DashboardInChromium(unittest.TestCase):
    def test_live_values_harmonics_and_phone_width(self):
        require(shutil.which("chromium"), "chromium")
        require(shutil.which("chromedriver"), "chromium-driver")
        try:
            import selenium  # noqa: F401
        except ImportError:
            require(False, "python3-selenium")
        from selenium.webdriver.common.by import By
        work = tempfile.mkdtemp(prefix="meter-web-")
        os.makedirs(SHOTS, exist_ok=True)
        service = Service(work, "page", ["--http", "127.0.0.1:0"], seconds=40, speed="1")
        driver = None
        try:
            api = Api(service)
            driver = chromium_driver(1280)
            driver.get("https://localhost:%d/" % api.port)
            self.assertTrue(driver.current_url.endswith("/login"), driver.current_url)
            driver.find_element(By.ID, "token").send_keys(api.token)
            driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
            # Live values: wait for two different windows (the page updates every second).
            seen = set()
            deadline = time.time() + 20
            while len(seen) < 2 and time.time() < deadline:
                sequence = driver.find_element(By.ID, "live").get_attribute("data-sequence")
                if sequence:
                    seen.add(sequence)
                time.sleep(0.2)
            self.assertGreaterEqual(len(seen), 2, "the live values did not update")
            # The DOM against the JSON window it shows, to display resolution.
            cells = driver.execute_script(
                "const t = document.getElementById('live');"
                "return [t.dataset.sequence, [...t.querySelectorAll('[data-field]')]"
                ".map(c => [c.dataset.field, c.dataset.digits, c.textContent])];")
            window = wait_window(service, int(cells[0]))
            checked = 0
            for field, digits, text in cells[1]:
                value = window
                for part in field.split("."):
                    value = value[int(part)] if isinstance(value, list) else value.get(part)
                if value is None:
                    self.assertEqual(text, "–", field)
                    continue
                self.assertAlmostEqual(float(text), value, delta=0.5 * 10 ** -int(digits) + 1e-9, msg=field)
                checked += 1
            self.assertGreaterEqual(checked, 30)
            # The charts are redrawn every 2 s: read them in one script.
            heights = driver.execute_script(
                "return [...document.querySelectorAll('#harmonics .chart rect.bar')].map(b => Number(b.getAttribute('height')));")
            self.assertGreaterEqual(len(heights), 9 * 30)
            self.assertGreater(max(heights), 10)
            self.assertIn("registers restored", driver.find_element(By.ID, "health").text)
            self.assertIn("Active import", driver.find_element(By.ID, "registers").text)
            driver.save_screenshot(os.path.join(SHOTS, "dashboard-1280.png"))
            driver.set_window_size(390, 1000)
            time.sleep(1.5)
            width = driver.execute_script("return document.documentElement.scrollWidth")
            self.assertLessEqual(width, 390, "the page scrolls sideways at phone width")
            driver.save_screenshot(os.path.join(SHOTS, "dashboard-390.png"))
            errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
            self.assertEqual(errors, [])
            self.assertIn("lost_frames 0", (service.stop(), service.stderr())[1])
        finally:
            if driver is not None:
                driver.quit()
            service.stop()
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    unittest.main(verbosity=2)
