#!/usr/bin/python3
"""meter-linux's MQTT interface against Debian's mosquitto broker over TLS.

The test makes a CA, a broker certificate (localhost, 127.0.0.1) and a client
certificate with openssl, starts mosquitto on the loopback interface with a
password file, and reads what meter-linux publishes with paho-mqtt and
mosquitto_sub. Under CI=true a missing part fails; elsewhere the test skips
with a message.
"""
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from service_test import METER_LINUX, METER_SIM, Service, require  # noqa: E402

MOSQUITTO = shutil.which("mosquitto") or ("/usr/sbin/mosquitto" if os.path.exists("/usr/sbin/mosquitto") else None)

# Home Assistant's sensor device classes and the units it accepts for them
# (home-assistant.io, integrations/sensor; core components/sensor/const.py).
HA_UNITS = {
    "energy": {"Wh", "kWh", "MWh"},
    "power": {"W", "kW"},
    "reactive_power": {"var"},
    "apparent_power": {"VA"},
    "voltage": {"V", "mV"},
    "current": {"A", "mA"},
    "frequency": {"Hz", "kHz", "MHz", "GHz"},
    "power_factor": {None, "%"},
}


def have_paho():
    try:
        import paho.mqtt.client  # noqa: F401
        return True
    except ImportError:
        return False


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def openssl(*args, cwd):
    subprocess.run(["openssl"] + list(args), cwd=cwd, check=True, capture_output=True)


def make_pki(work, name="ca"):
    """A CA, a broker certificate for localhost / 127.0.0.1 and a client certificate."""
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", name + ".key", "-out", name + ".pem", "-days", "2",
            "-subj", "/CN=meter-core test " + name, cwd=work)
    for who, subject in (("server", "/CN=localhost"), ("client", "/CN=meter-core-TEST0001")):
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", who + ".key", "-out", who + ".csr", "-subj", subject, cwd=work)
        with open(os.path.join(work, who + ".ext"), "w") as f:
            f.write("subjectAltName=DNS:localhost,IP:127.0.0.1\n" if who == "server" else "extendedKeyUsage=clientAuth\n")
        openssl("x509", "-req", "-in", who + ".csr", "-CA", name + ".pem", "-CAkey", name + ".key", "-CAcreateserial",
                "-out", who + ".pem", "-days", "2", "-extfile", who + ".ext", cwd=work)
        os.chmod(os.path.join(work, who + ".key"), 0o600)


class Broker:
    def __init__(self, work, port=None, require_certificate=False, extra=""):
        self.work = work
        self.port = port or free_port()
        passwd = os.path.join(work, "passwd")
        if not os.path.exists(passwd):
            subprocess.run(["mosquitto_passwd", "-c", "-b", passwd, "meter", "s3cret-test"], check=True, capture_output=True)
        self.conf = os.path.join(work, "mosquitto.conf")
        os.makedirs(os.path.join(work, "broker-data"), exist_ok=True)
        with open(self.conf, "w") as f:
            f.write("listener %d 127.0.0.1\n" % self.port)
            f.write("cafile %s/ca.pem\ncertfile %s/server.pem\nkeyfile %s/server.key\n" % (work, work, work))
            f.write("tls_version tlsv1.2\n")
            if require_certificate:
                f.write("require_certificate true\nuse_identity_as_username true\n")
            else:
                f.write("require_certificate false\npassword_file %s\n" % passwd)
            f.write("allow_anonymous false\n" + extra)
            f.write("persistence true\npersistence_location %s/broker-data/\n" % work)
            if os.geteuid() == 0:
                f.write("user root\n")
        self.start()

    def start(self):
        self.log = open(os.path.join(self.work, "broker.log"), "a")
        self.process = subprocess.Popen([MOSQUITTO, "-c", self.conf], stdout=self.log, stderr=self.log)
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        raise AssertionError("mosquitto did not start: " + open(os.path.join(self.work, "broker.log")).read())

    def stop(self, sig=signal.SIGTERM):
        if self.process.poll() is None:
            self.process.send_signal(sig)
            self.process.wait(timeout=10)


class Listener:
    """A paho-mqtt subscriber that keeps every message, in arrival order."""

    def __init__(self, work, port, topics, client_id="test-listener", certificate=False):
        import paho.mqtt.client as mqtt
        self.messages = []
        self.lock = threading.Lock()
        self.connected = threading.Event()
        self.client = mqtt.Client(client_id=client_id, clean_session=False)
        if certificate:
            self.client.tls_set(ca_certs=os.path.join(work, "ca.pem"), certfile=os.path.join(work, "client.pem"),
                                keyfile=os.path.join(work, "client.key"))
        else:
            self.client.username_pw_set("meter", "s3cret-test")
            self.client.tls_set(ca_certs=os.path.join(work, "ca.pem"))
        self.client.reconnect_delay_set(min_delay=0.1, max_delay=0.5)
        self.topics = topics

        def on_connect(client, userdata, flags, rc):
            if rc == 0:
                for t in self.topics:
                    client.subscribe(t, qos=1)
                self.connected.set()

        def on_message(client, userdata, m):
            with self.lock:
                self.messages.append((m.topic, m.payload.decode(), m.retain))

        self.client.on_connect = on_connect
        self.client.on_message = on_message
        self.client.connect("localhost", port, keepalive=5)
        self.client.loop_start()
        assert self.connected.wait(10), "the listener did not connect"
        time.sleep(0.3)

    def of(self, suffix):
        with self.lock:
            return [(t, p, r) for t, p, r in self.messages if t.endswith(suffix)]

    def wait_for(self, suffix, count, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if len(self.of(suffix)) >= count:
                return self.of(suffix)
            time.sleep(0.05)
        raise AssertionError("%d messages on *%s within %d s, got %d" % (count, suffix, timeout, len(self.of(suffix))))

    def close(self):
        self.client.loop_stop()
        self.client.disconnect()


class MqttOverTls(unittest.TestCase):
    def setUp(self):
        require(MOSQUITTO, "mosquitto")
        require(shutil.which("openssl"), "openssl")
        require(shutil.which("mosquitto_sub"), "mosquitto-clients")
        require(have_paho(), "python3-paho-mqtt")
        self.work = tempfile.mkdtemp(prefix="meter-mqtt-")
        make_pki(self.work)
        self.password = os.path.join(self.work, "mqtt-password")
        with open(self.password, "w") as f:
            f.write("s3cret-test\n")
        os.chmod(self.password, 0o600)
        self.services = []
        self.broker = Broker(self.work)

    def tearDown(self):
        for s in self.services:
            s.stop()
        self.broker.stop()
        shutil.rmtree(self.work, ignore_errors=True)

    def mqtt_args(self, extra=()):
        """The test's MQTT options; `extra` pairs replace or add to them."""
        options = {"--mqtt": "mqtts://localhost:%d" % self.broker.port, "--mqtt-ca": os.path.join(self.work, "ca.pem"),
                   "--mqtt-username": "meter", "--mqtt-password-file": self.password, "--mqtt-state-period-s": "1",
                   # MQTT carries the registers as saved: save every second here.
                   "--save-period-s": "1"}
        extra = list(extra)
        for k in range(0, len(extra), 2):
            options[extra[k]] = extra[k + 1]
        return [item for pair in options.items() for item in pair]

    def service(self, name, extra=(), **kwargs):
        s = Service(self.work, name, self.mqtt_args(extra), current=20.0, rated=5.0, **kwargs)
        self.services.append(s)
        return s

    def test_state_energy_status_and_discovery(self):
        listener = Listener(self.work, self.broker.port, ["meter-core/TEST0001/#", "homeassistant/#"])
        service = self.service("payloads", seconds=8, speed="1", state=os.path.join(self.work, "state"))
        states = listener.wait_for("/state", 4)
        energies = listener.wait_for("/energy", 4)
        service.wait_for_end()
        # Status: retained online, seen by mosquitto_sub too.
        out = subprocess.run(["mosquitto_sub", "-h", "localhost", "-p", str(self.broker.port), "--cafile",
                              os.path.join(self.work, "ca.pem"), "-u", "meter", "-P", "s3cret-test", "-t",
                              "meter-core/TEST0001/status", "-C", "1", "-W", "10", "-v"], capture_output=True, text=True)
        self.assertEqual(out.stdout.strip(), "meter-core/TEST0001/status online", out.stderr)
        # State payloads are the JSON-lines window objects.
        windows = {w["sequence"]: w for w in service.windows()}
        for _, payload, retained in states:
            state = json.loads(payload)
            self.assertFalse(retained)
            expected = dict(windows[state["sequence"]])
            got = dict(state)
            self.assertIn("time_unix_s", got)
            del got["time_unix_s"]
            self.assertEqual(got, expected)
        # Totals never go backwards, and the last equals the summary.
        totals = [json.loads(p)["kwh_imp"] for _, p, _ in energies]
        self.assertEqual(totals, sorted(totals))
        self.assertGreater(totals[-1], 0)
        energy = json.loads(energies[-1][1])
        for key in ("kwh_exp", "kvarh_imp", "kvarh_exp", "kvah", "kwh_q", "kvarh_q", "kvah_q", "kwh_imp_tariff",
                    "kwh_exp_tariff", "partial", "phases", "hours"):
            self.assertIn(key, energy)
        self.assertEqual(len(energy["phases"]), 3)
        # Discovery: a valid configuration for every quantity.
        configs = {t: json.loads(p) for t, p, r in listener.of("/config")}
        self.assertGreaterEqual(len(configs), 7 + 3 * 3)
        unique_ids = set()
        for topic, c in configs.items():
            self.assertRegex(topic, r"^homeassistant/sensor/meter_core_TEST0001/[a-z0-9_]+/config$")
            unit = c.get("unit_of_measurement")
            self.assertIn(unit, HA_UNITS[c["device_class"]], topic)
            expected_class = "total_increasing" if c["device_class"] == "energy" else "measurement"
            self.assertEqual(c["state_class"], expected_class, topic)
            self.assertEqual(c["availability_topic"], "meter-core/TEST0001/status")
            for key in ("identifiers", "manufacturer", "model", "sw_version"):
                self.assertIn(key, c["device"])
            unique_ids.add(c["unique_id"])
        self.assertIn("meter_core_TEST0001_energy_import", unique_ids)
        self.assertIn("meter_core_TEST0001_energy_export", unique_ids)
        # Home Assistant comes back online: the configurations come again.
        before = len(listener.of("/config"))
        listener.client.publish("homeassistant/status", "online", qos=1)
        listener.wait_for("/config", before + len(configs))
        # Stopped cleanly: offline, retained.
        self.assertEqual(service.stop(), 0)
        status = listener.wait_for("/status", 2)
        self.assertEqual(status[-1][1], "offline")
        listener.close()
        # The same unique ids after a restart.
        listener = Listener(self.work, self.broker.port, ["homeassistant/#"], client_id="second")
        retained = listener.wait_for("/config", len(configs))
        self.assertTrue(all(r for _, _, r in retained))  # a new subscriber gets them: retained
        self.assertEqual({json.loads(p)["unique_id"] for _, p, _ in retained}, unique_ids)
        listener.close()

    def test_broker_outage_loses_no_record(self):
        listener = Listener(self.work, self.broker.port, ["meter-core/TEST0001/records", "meter-core/TEST0001/energy"])
        service = self.service("outage", ["--mqtt-record-period-s", "1"], seconds=16, speed="1")
        listener.wait_for("/records", 2)
        self.broker.stop(signal.SIGTERM)  # mid-replay
        time.sleep(5)
        self.broker.start()
        service.wait_for_end(timeout=60)
        time.sleep(4)  # the queue drains
        records = [json.loads(p) for _, p, _ in listener.of("/records")]
        sequences = [r["seq"] for r in records]
        seen = set()
        order = []
        for s in sequences:
            if s in seen:
                continue  # a QoS 1 duplicate: its number was seen before
            seen.add(s)
            order.append(s)
        self.assertEqual(order, list(range(order[0], order[0] + len(order))), sequences)
        self.assertGreaterEqual(len(order), 12)
        totals = [r["registers"]["kwh_imp"] for r in records]
        self.assertEqual(totals, sorted(totals))
        energies = [json.loads(p)["kwh_imp"] for _, p, _ in listener.of("/energy")]
        self.assertEqual(energies, sorted(energies))
        self.assertEqual(service.stop(), 0)
        self.assertRegex(service.stderr(), r"lost_frames 0")
        self.assertEqual(len(re.findall(r"MQTT: connection lost", service.stderr())), 1, service.stderr())
        listener.close()

    def test_partial_reset_is_an_event_and_no_total_goes_backwards(self):
        inputs = os.path.join(self.work, "inputs")

        def set_inputs(levels):  # as a writer should: a whole new file, renamed over the old one
            with open(inputs + ".tmp", "w") as f:
                f.write(levels + "\n")
            os.replace(inputs + ".tmp", inputs)

        set_inputs("0 1 0")  # tariff 1, partial counters running
        listener = Listener(self.work, self.broker.port, ["meter-core/+/events", "meter-core/+/energy"])
        service = self.service("reset", ["--inputs-file", inputs], seconds=14, speed="1")
        deadline = time.time() + 20
        while time.time() < deadline:
            energy = [json.loads(p) for _, p, _ in listener.of("/energy")]
            if energy and energy[-1]["partial"]["kwh_imp"] > 0:
                break
            time.sleep(0.1)
        self.assertGreater(energy[-1]["partial"]["kwh_imp"], 0, "the partial counters did not run")
        self.assertEqual(listener.of("/events"), [])
        set_inputs("0 1 1")  # a rising edge on the reset input
        time.sleep(1.0)
        set_inputs("0 1 0")
        events = listener.wait_for("/events", 1, timeout=15)
        event = json.loads(events[0][1])
        self.assertEqual(event["event"], "partial_reset")
        self.assertGreater(event["partial_before"]["kwh_imp"], 0)
        service.wait_for_end(timeout=60)
        self.assertEqual(service.stop(), 0)
        energy = [json.loads(p) for _, p, _ in listener.of("/energy")]
        partial = [e["partial"]["kwh_imp"] for e in energy]
        drops = [k for k in range(1, len(partial)) if partial[k] < partial[k - 1]]
        self.assertEqual(len(drops), 1, partial)  # the reset, once
        totals = [e["kwh_imp"] for e in energy]
        self.assertEqual(totals, sorted(totals))  # the totals never went backwards
        self.assertEqual(len(listener.of("/events")), 1)
        listener.close()
        self.assertIn("lost_frames 0", service.stderr())

    def test_kill_9_and_restart(self):
        state = os.path.join(self.work, "state")
        listener = Listener(self.work, self.broker.port, ["meter-core/TEST0001/records", "meter-core/TEST0001/energy"])
        first = self.service("first", ["--mqtt-record-period-s", "1"], seconds=30, speed="1", state=state)
        listener.wait_for("/records", 3)
        first.process.send_signal(signal.SIGKILL)
        first.process.wait()
        before = [json.loads(p) for _, p, _ in listener.of("/energy")]
        last_total = before[-1]["kwh_imp"]
        records_before = [json.loads(p)["seq"] for _, p, _ in listener.of("/records")]
        db = sqlite3.connect(os.path.join(state, "mqtt-queue.sqlite"))
        self.assertEqual(db.execute("PRAGMA integrity_check").fetchone()[0], "ok")
        db.close()
        second = self.service("second", ["--mqtt-record-period-s", "1"], seconds=6, speed="1", state=state)
        second.wait_for_end()
        time.sleep(2)
        after = [json.loads(p) for _, p, _ in listener.of("/energy")][len(before):]
        self.assertTrue(after)
        # MQTT publishes the registers as last saved, so no total after the
        # restart is below one published before the kill.
        self.assertGreaterEqual(min(e["kwh_imp"] for e in after), last_total)
        self.assertGreater(last_total, 0)
        records_after = [json.loads(p)["seq"] for _, p, _ in listener.of("/records")][len(records_before):]
        self.assertTrue(records_after)
        self.assertGreater(min(records_after), max(records_before) - 16)  # the queue resumes its numbering
        self.assertEqual(second.stop(), 0)
        listener.close()

    def test_failures_are_logged_once_and_cost_no_sample(self):
        other = os.path.join(self.work, "other")
        os.makedirs(other)
        make_pki(other, "ca")
        silent = socket.socket()
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)  # accepts TCP, never answers
        cases = [
            ("wrong-ca", ["--mqtt-ca", os.path.join(other, "ca.pem")], r"MQTT: .*(certificate|TLS|tls)"),
            ("wrong-password", ["--mqtt-password-file", os.path.join(self.work, "wrong-password")], r"MQTT: broker refused"),
            ("silent", ["--mqtt", "mqtts://localhost:%d" % silent.getsockname()[1]], r"MQTT: no answer to CONNECT"),
        ]
        with open(os.path.join(self.work, "wrong-password"), "w") as f:
            f.write("not-it\n")
        os.chmod(os.path.join(self.work, "wrong-password"), 0o600)
        for name, extra, pattern in cases:
            # Long enough for the 10 s CONNACK timeout of the silent broker.
            service = self.service(name, extra, seconds=14 if name == "silent" else 6, speed="1")
            service.wait_for_end(timeout=60)
            self.assertEqual(service.stop(), 0, name)
            err = service.stderr()
            self.assertRegex(err, pattern, name)
            self.assertRegex(err, r"lost_frames 0", name)
            lines = [l for l in err.splitlines() if "MQTT:" in l]
            self.assertLessEqual(len(lines), 3, name + ": one line per change of state:\n" + err)
        silent.close()

    def test_plaintext_and_secret_files_are_refused(self):
        source = ["--source", "/dev/null", "--rate", "8000", "--state-dir", os.path.join(self.work, "s")]
        out = subprocess.run([METER_LINUX, "--mqtt", "mqtt://localhost:1883"] + source,
                             capture_output=True, text=True, timeout=10)
        self.assertEqual(out.returncode, 2)
        self.assertIn("plaintext MQTT is refused", out.stderr)
        loose = os.path.join(self.work, "loose")
        with open(loose, "w") as f:
            f.write("x\n")
        os.chmod(loose, 0o644)
        out = subprocess.run([METER_LINUX, "--mqtt", "mqtts://localhost:1", "--mqtt-password-file", loose] + source,
                             capture_output=True, text=True, timeout=10)
        self.assertEqual(out.returncode, 2)
        self.assertIn("make it 0600", out.stderr)


class CloudPresets(unittest.TestCase):
    """The presets against a local broker configured with each cloud's constraints."""

    def setUp(self):
        require(MOSQUITTO, "mosquitto")
        require(shutil.which("openssl"), "openssl")
        require(have_paho(), "python3-paho-mqtt")
        self.work = tempfile.mkdtemp(prefix="meter-cloud-")
        make_pki(self.work)
        self.broker = None
        self.service = None

    def tearDown(self):
        if self.service is not None:
            self.service.stop()
        if self.broker is not None:
            self.broker.stop()
        shutil.rmtree(self.work, ignore_errors=True)

    def test_azure_iot_hub(self):
        device = "meter-core-TEST0001"
        user = "localhost/%s/?api-version=2021-04-12" % device
        passwd = os.path.join(self.work, "passwd")
        subprocess.run(["mosquitto_passwd", "-c", "-b", passwd, "meter", "s3cret-test"], check=True, capture_output=True)
        subprocess.run(["mosquitto_passwd", "-b", passwd, user, "SharedAccessSignature sr=test"], check=True, capture_output=True)
        acl = os.path.join(self.work, "acl")
        with open(acl, "w") as f:
            f.write("user meter\ntopic read #\n\nuser %s\ntopic write devices/%s/messages/events/#\n" % (user, device))
        # An IoT hub keeps nothing retained and takes QoS 0 and 1 only.
        self.broker = Broker(self.work, extra="acl_file %s\nretain_available false\nmax_qos 1\n" % acl)
        token = os.path.join(self.work, "sas")
        with open(token, "w") as f:
            f.write("SharedAccessSignature sr=test\n")
        os.chmod(token, 0o600)
        listener = Listener(self.work, self.broker.port, ["devices/#"])
        self.service = Service(self.work, "azure", ["--mqtt", "mqtts://localhost:%d" % self.broker.port, "--mqtt-ca",
                                                   os.path.join(self.work, "ca.pem"), "--mqtt-preset", "azure-iot-hub",
                                                   "--mqtt-password-file", token, "--mqtt-state-period-s", "1",
                                                   "--mqtt-record-period-s", "1", "--save-period-s", "1"],
                               seconds=5, current=20.0, rated=5.0, speed="1")
        self.service.wait_for_end()
        time.sleep(1.5)
        kinds = {}
        for topic, payload, retained in listener.of("/messages/events/"):
            self.assertEqual(topic, "devices/%s/messages/events/" % device)
            self.assertFalse(retained)
            message = json.loads(payload)
            kinds.setdefault(message["message"], []).append(message)
        for kind in ("status", "state", "energy", "records"):
            self.assertIn(kind, kinds)
        self.assertEqual(kinds["status"][0]["status"], "online")
        self.assertGreater(kinds["energy"][-1]["kwh_imp"], 0)
        self.assertNotIn("connection lost", self.service.stderr())
        self.assertEqual(self.service.stop(), 0)
        listener.close()

    def test_aws_iot_core(self):
        acl = os.path.join(self.work, "acl")
        with open(acl, "w") as f:
            f.write("pattern readwrite meter-core/#\npattern readwrite homeassistant/#\n")
        self.broker = Broker(self.work, require_certificate=True, extra="acl_file %s\nmax_qos 1\n" % acl)
        listener = Listener(self.work, self.broker.port, ["meter-core/#", "homeassistant/#"], certificate=True)
        self.service = Service(self.work, "aws", ["--mqtt", "mqtts://localhost:%d" % self.broker.port, "--mqtt-ca",
                                                 os.path.join(self.work, "ca.pem"), "--mqtt-preset", "aws-iot-core",
                                                 "--mqtt-cert", os.path.join(self.work, "client.pem"), "--mqtt-key",
                                                 os.path.join(self.work, "client.key"), "--mqtt-state-period-s", "1"],
                               seconds=4, current=20.0, rated=5.0, speed="1")
        listener.wait_for("/state", 2)
        for topic, _, _ in listener.messages:
            self.assertLessEqual(topic.count("/"), 7, topic)
        self.assertEqual(self.service.stop(), 0)
        listener.close()

    def test_presets_refuse_what_the_cloud_refuses(self):
        source = ["--source", "/dev/null", "--rate", "8000", "--state-dir", os.path.join(self.work, "s")]
        out = subprocess.run([METER_LINUX, "--mqtt", "mqtts://localhost:1", "--mqtt-preset", "aws-iot-core"] + source,
                             capture_output=True, text=True, timeout=10)
        self.assertEqual(out.returncode, 2)
        self.assertIn("X.509 client certificate", out.stderr)
        out = subprocess.run([METER_LINUX, "--mqtt", "mqtts://localhost:1", "--mqtt-preset", "aws-iot-core", "--mqtt-cert",
                              os.path.join(self.work, "client.pem"), "--mqtt-key", os.path.join(self.work, "client.key"),
                              "--mqtt-topic-prefix", "a/b/c/d/e/f/g"] + source, capture_output=True, text=True, timeout=10)
        self.assertEqual(out.returncode, 2)
        self.assertIn("at most 7 slashes", out.stderr)
        out = subprocess.run([METER_LINUX, "--mqtt", "mqtts://localhost:1", "--mqtt-preset", "azure-iot-hub"] + source,
                             capture_output=True, text=True, timeout=10)
        self.assertEqual(out.returncode, 2)
        self.assertIn("SAS token", out.stderr)

    def test_the_host_name_goes_in_sni(self):
        import ssl
        names = []
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(os.path.join(self.work, "server.pem"), os.path.join(self.work, "server.key"))
        context.sni_callback = lambda sock, name, ctx: names.append(name)
        server = socket.socket()
        server.bind(("127.0.0.1", 0))
        server.listen(4)
        port = server.getsockname()[1]

        def serve():
            server.settimeout(20)
            try:
                conn, _ = server.accept()
                with context.wrap_socket(conn, server_side=True) as tls:
                    tls.recv(16)
            except (OSError, ssl.SSLError):
                pass

        thread = threading.Thread(target=serve)
        thread.start()
        self.service = Service(self.work, "sni", ["--mqtt", "mqtts://localhost:%d" % port, "--mqtt-ca",
                                                 os.path.join(self.work, "ca.pem"), "--mqtt-preset", "aws-iot-core",
                                                 "--mqtt-cert", os.path.join(self.work, "client.pem"), "--mqtt-key",
                                                 os.path.join(self.work, "client.key")], seconds=3, current=20.0, rated=5.0,
                               speed="1")
        thread.join(timeout=30)
        server.close()
        self.assertEqual(names[:1], ["localhost"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
