#!/usr/bin/python3
"""meter-linux as a service, read by real clients on the loopback interface.

pymodbus (TCP and, over a socat pseudo-terminal pair, RTU) and mbpoll read every
map; the values equal the JSON window of the same sequence number. Golden reads
replay what evcc's and openWB's drivers ask for. A P1 reader written here from
the DSMR 5 specification checks the telegrams. Hostile input (malformed MBAP,
truncated frames, random frames) must not stop the service or cost a sample.

Under CI=true a missing client fails the test; elsewhere the test is skipped
with a message. Run by ctest (interfaces_service_test) with Debian's python3.
"""
import json
import math
import os
import random
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "bench"))
import modbus_load  # noqa: E402  (the load generator is shared with the benchmark)

METER_LINUX = os.environ.get("METER_LINUX", os.path.join(HERE, "../../build/host/firmware_hal/linux/meter-linux"))
METER_SIM = os.environ.get("METER_SIM", os.path.join(HERE, "../../build/host/host_sim/meter-sim"))
IN_CI = os.environ.get("CI") == "true"


def require(available, what):
    """A missing real part fails under CI and skips elsewhere."""
    if available:
        return
    message = "%s is not installed (scripts/setup.sh installs it from Debian)" % what
    if IN_CI:
        raise AssertionError(message + ": required under CI=true")
    raise unittest.SkipTest(message)


def have_pymodbus():
    try:
        import pymodbus.client  # noqa: F401
        return True
    except ImportError:
        return False


class Service:
    """One meter-linux process on a generated recording."""

    def __init__(self, work, name, args, seconds=4.0, current=70.0, rated=100.0, speed="0", state=None, program=None):
        self.work = work
        csv = os.path.join(work, name + ".csv")
        self.scan = os.path.join(work, name + ".scan")
        # 70 A makes A x1000 = 70000 = 0x0001_1170: its two words differ.
        subprocess.run([METER_SIM, "generate", csv, "--seconds", str(seconds), "--rate", "8000", "--f", "50.02",
                        "--un", "230", "--i", str(current), "--phi", "25", "--v-harmonic", "5:0.03",
                        "--i-harmonic", "3:0.2"], check=True, stdout=subprocess.DEVNULL)
        subprocess.run([METER_SIM, "replay", csv, "--wiring", "3p4w", "--json", "--no-progress", "--numeric", "q31",
                        "--rate", "8000", "--un", "230", "--in", str(rated), "--export-scan", self.scan], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.state = state or os.path.join(work, name + "-state")
        self.out_path = os.path.join(work, name + ".jsonl")
        self.err_path = os.path.join(work, name + ".err")
        self.command = (program or [METER_LINUX]) + ["--source", self.scan, "--rate", "8000", "--un", "230", "--in", str(rated),
                        "--speed", speed, "--linger", "--state-dir", self.state, "--serial", "TEST0001"] + args
        self.process = subprocess.Popen(self.command, stdout=open(self.out_path, "w"), stderr=open(self.err_path, "w"))

    def stderr(self):
        return open(self.err_path).read()

    def port(self, what):
        deadline = time.time() + 10
        while time.time() < deadline:
            match = re.search(what + r" on 127\.0\.0\.1:(\d+)", self.stderr())
            if match:
                return int(match.group(1))
            if self.process.poll() is not None:
                raise AssertionError("meter-linux exited: " + self.stderr())
            time.sleep(0.02)
        raise AssertionError("no %s port: %s" % (what, self.stderr()))

    def wait_for_end(self, timeout=60):
        deadline = time.time() + timeout
        while "source ended" not in self.stderr():
            if time.time() > deadline or self.process.poll() is not None:
                raise AssertionError("the source did not end: " + self.stderr())
            time.sleep(0.05)

    def windows(self):
        # A line still being written (no newline yet) is left for later.
        return [json.loads(line) for line in open(self.out_path) if '"type":"window"' in line and line.endswith("\n")]

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=30)
        return self.process.returncode


def raw_read(port, function, address, count, unit=1, transaction=1):
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        return modbus_load.read_registers(sock, transaction, function, address, count, unit)


def int32_low_first(words, at):
    value = words[at] | (words[at + 1] << 16)
    return value - (1 << 32) if value & 0x80000000 else value


def int32_high_first(words, at):
    value = (words[at] << 16) | words[at + 1]
    return value - (1 << 32) if value & 0x80000000 else value


def uint64(words, at):
    value = 0
    for w in words[at:at + 4]:
        value = (value << 16) | w
    return value


def int16(word):
    return word - 0x10000 if word & 0x8000 else word


def window_of(service, sequence):
    for w in service.windows():
        if w["sequence"] == sequence:
            return w
    raise AssertionError("no JSON window %d" % sequence)


class ModbusTcpWithRealClients(unittest.TestCase):
    """One lingering service (the whole recording metered), read by every client."""

    @classmethod
    def setUpClass(cls):
        cls.work = tempfile.mkdtemp(prefix="meter-service-")
        # 10 s at 3 x 230 V x 70 A: 0.12 kWh, so the 0.1 kWh registers move.
        cls.service = Service(cls.work, "tcp", ["--modbus-tcp", "127.0.0.1:0", "--p1-tcp", "127.0.0.1:0",
                                                "--modbus-idle-timeout-s", "2"], seconds=10)
        cls.port = cls.service.port("Modbus TCP")
        cls.p1_port = cls.service.port("P1")
        cls.service.wait_for_end()
        words, _ = raw_read(cls.port, 3, 0x1000, 2)
        cls.sequence = (words[0] << 16) | words[1]
        cls.window = window_of(cls.service, cls.sequence)

    @classmethod
    def tearDownClass(cls):
        status = cls.service.stop()
        shutil.rmtree(cls.work, ignore_errors=True)
        assert status == 0, "meter-linux exit status %s" % status

    def test_pymodbus_reads_every_map_equal_to_the_json_window(self):
        require(have_pymodbus(), "python3-pymodbus")
        from pymodbus.client import ModbusTcpClient
        client = ModbusTcpClient("127.0.0.1", port=self.port)
        self.assertTrue(client.connect())
        w = self.window
        ph = w["phases"]
        # Map 1, FC04 and FC03 alike.
        cg4 = client.read_input_registers(0x0000, 0x66, slave=1).registers
        cg3 = client.read_holding_registers(0x0000, 0x66, slave=1).registers
        self.assertEqual(cg4, cg3)
        for p in range(3):
            self.assertAlmostEqual(int32_low_first(cg4, 2 * p) / 10.0, ph[p]["v_rms"], delta=0.1)
            self.assertAlmostEqual(int32_low_first(cg4, 0x0C + 2 * p) / 1000.0, ph[p]["i_rms"], delta=0.001)
            self.assertAlmostEqual(int32_low_first(cg4, 0x12 + 2 * p) / 10.0, ph[p]["p_w"], delta=0.1)
            self.assertAlmostEqual(int32_low_first(cg4, 0x18 + 2 * p) / 10.0, ph[p]["s_va"], delta=0.1)
            self.assertAlmostEqual(int32_low_first(cg4, 0x1E + 2 * p) / 10.0, ph[p]["q_var"], delta=0.1)
            self.assertAlmostEqual(int16(cg4[0x2E + p]) / 1000.0, ph[p]["pf"], delta=0.001)
        for k in range(3):
            self.assertAlmostEqual(int32_low_first(cg4, 0x06 + 2 * k) / 10.0, w["v_ll_rms"][k], delta=0.1)
        self.assertAlmostEqual(int32_low_first(cg4, 0x28) / 10.0, w["total"]["p_w"], delta=0.1)
        self.assertAlmostEqual(int16(cg4[0x33]) / 10.0, w["f_hz"], delta=0.1)
        self.assertEqual(int16(cg4[0x32]), 0)
        self.assertEqual(cg4[0x000B], 0)
        # Word order: 70 A = 0x0001_1170 (low word first).
        self.assertEqual(cg4[0x0D], (int32_low_first(cg4, 0x0C)) >> 16)
        self.assertNotEqual(cg4[0x0C], cg4[0x0D])
        # Map 2, full resolution.
        hi = client.read_input_registers(0x1000, 0x6C + 4, slave=1).registers
        self.assertEqual((hi[0] << 16) | hi[1], self.sequence)
        self.assertAlmostEqual(int32_high_first(hi, 0x0A) / 1e4, w["f_hz"], delta=1e-4)
        for p in range(3):
            self.assertAlmostEqual(int32_high_first(hi, 0x0C + 2 * p) / 1e3, ph[p]["v_rms"], delta=1e-3)
            self.assertAlmostEqual(int32_high_first(hi, 0x18 + 2 * p) / 1e4, ph[p]["i_rms"], delta=1e-4)
            self.assertAlmostEqual(int32_high_first(hi, 0x20 + 2 * p) / 1e2, ph[p]["p_w"], delta=1e-2)
            self.assertAlmostEqual(int32_high_first(hi, 0x4C + 2 * p) / 1e2, ph[p]["thd_v_pct"], delta=1e-2)
            self.assertAlmostEqual(int32_high_first(hi, 0x58 + 2 * p) / 1e2, ph[p]["thd_i_pct"], delta=1e-2)
        self.assertAlmostEqual(int32_high_first(hi, 0x5E) / 1e2, w["unbalance_v_pct"], delta=1e-2)
        self.assertEqual(hi[0x66] << 16 | hi[0x67], 3)
        # Map 3, SunSpec.
        ss = client.read_holding_registers(40000, 125, slave=1).registers
        self.assertEqual(ss[0:2], [0x5375, 0x6E53])
        self.assertEqual(ss[70:72], [203, 105])
        w_sf = int16(ss[40092 - 40000])
        self.assertAlmostEqual(int16(ss[40088 - 40000]) * 10 ** w_sf, w["total"]["p_w"], delta=10 ** w_sf)
        v_sf = int16(ss[40085 - 40000])
        self.assertAlmostEqual(int16(ss[40078 - 40000]) * 10 ** v_sf, ph[0]["v_rms"], delta=10 ** v_sf)
        self.assertEqual(client.read_holding_registers(40177, 2, slave=1).registers, [0xFFFF, 0])
        client.close()

    def test_energy_registers_equal_the_summary(self):
        # The final registers equal meter-sim's replay of the same scans.
        sim = subprocess.run([METER_SIM, "replay", self.service.scan.replace(".scan", ".csv"), "--wiring", "3p4w", "--json",
                              "--no-progress", "--numeric", "q31", "--rate", "8000", "--un", "230", "--in", "100"],
                             check=True, capture_output=True, text=True).stdout.splitlines()
        summary = json.loads(sim[-1])
        hi = raw_read(self.port, 4, 0x106C, 8)[0]
        kwh_imp = uint64(hi, 0) / 1e6
        self.assertAlmostEqual(kwh_imp, summary["energy"]["kwh_imp"], delta=1e-6)
        self.assertGreater(kwh_imp, 0.1)
        cg = raw_read(self.port, 4, 0x34, 2)[0]
        self.assertEqual(int32_low_first(cg, 0), int(summary["energy"]["kwh_imp"] * 10 + 1e-9))

    def test_mbpoll_reads_the_maps(self):
        require(shutil.which("mbpoll"), "mbpoll")

        def mbpoll(*args):
            out = subprocess.run(["mbpoll", "-m", "tcp", "-p", str(self.port), "-1", "-0", "-o", "2"] + list(args) +
                                 ["127.0.0.1"], capture_output=True, text=True, timeout=20)
            self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
            return [int(v) for v in re.findall(r"^\[\d+\]:\s+(-?\d+)", out.stdout, re.M)]

        ph = self.window["phases"]
        # mbpoll's 32-bit integers default to the low word first: the CG order.
        volts = mbpoll("-a", "1", "-t", "3:int", "-r", "0", "-c", "3")
        self.assertEqual(len(volts), 3)
        for p in range(3):
            self.assertAlmostEqual(volts[p] / 10.0, ph[p]["v_rms"], delta=0.1)
        amps = mbpoll("-a", "0", "-t", "4:int", "-r", "12", "-c", "3")
        self.assertAlmostEqual(amps[0] / 1000.0, ph[0]["i_rms"], delta=0.001)
        seq = mbpoll("-a", "255", "-t", "3:int", "-B", "-r", "4096", "-c", "1")
        self.assertEqual(seq[0], self.sequence)
        suns = mbpoll("-a", "1", "-t", "4", "-r", "40000", "-c", "2")
        self.assertEqual(suns, [0x5375, 0x6E53])

    def test_golden_reads_of_clients_we_cannot_install(self):
        w = self.window
        ph = w["phases"]
        # evcc cg-emt3xx / cg-em24_e1 through mbmd: FC04, INT32 low word first, one value per read.
        for p in range(3):
            words, e = raw_read(self.port, 4, 2 * p, 2, unit=1)
            self.assertIsNone(e)
            self.assertAlmostEqual(int32_low_first(words, 0) / 10.0, ph[p]["v_rms"], delta=0.1)
        words, _ = raw_read(self.port, 4, 0x28, 2)
        self.assertAlmostEqual(int32_low_first(words, 0) / 10.0, w["total"]["p_w"], delta=0.1)
        words, _ = raw_read(self.port, 4, 0x34, 2)
        self.assertGreater(int32_low_first(words, 0), 0)
        words, _ = raw_read(self.port, 4, 0x4E, 2)
        self.assertEqual(int32_low_first(words, 0), 0)
        # evcc's SunSpec discovery (gosunspec): holding registers at 40000, 50000, 0.
        words, e = raw_read(self.port, 3, 40000, 2)
        self.assertEqual(words, [0x5375, 0x6E53])
        self.assertEqual(raw_read(self.port, 3, 50000, 2), (None, 2))
        words, _ = raw_read(self.port, 3, 0, 2)
        self.assertNotEqual(words, [0x5375, 0x6E53])
        # openWB carlo_gavazzi: V 0x00, A 0x0C, W 0x12 (3 x INT32 each, low word first), Hz 0x33 / 10.
        volts, _ = raw_read(self.port, 4, 0x00, 6)
        amps, _ = raw_read(self.port, 4, 0x0C, 6)
        watts, _ = raw_read(self.port, 4, 0x12, 6)
        hz, _ = raw_read(self.port, 4, 0x33, 1)
        for p in range(3):
            self.assertAlmostEqual(int32_low_first(volts, 2 * p) / 10.0, ph[p]["v_rms"], delta=0.1)
            self.assertAlmostEqual(int32_low_first(amps, 2 * p) / 1000.0, ph[p]["i_rms"], delta=0.001)
            self.assertAlmostEqual(int32_low_first(watts, 2 * p) / 10.0, ph[p]["p_w"], delta=0.1)
        self.assertAlmostEqual(hz[0] / 10.0, w["f_hz"], delta=0.1)

    def test_read_only_unit_ids_and_limits(self):
        for function, payload in ((5, struct.pack(">HH", 0, 0xFF00)), (6, struct.pack(">HH", 0, 1)),
                                  (0x0F, struct.pack(">HHBB", 0, 1, 1, 1)), (0x10, struct.pack(">HHBH", 0, 1, 2, 7)),
                                  (0x16, struct.pack(">HHH", 0, 0xFFFF, 0)),
                                  (0x17, struct.pack(">HHHHBH", 0, 1, 0, 1, 2, 7))):
            with socket.create_connection(("127.0.0.1", self.port), timeout=5) as sock:
                pdu = bytes([function]) + payload
                sock.sendall(struct.pack(">HHHB", 9, 0, len(pdu) + 1, 1) + pdu)
                reply = modbus_load.recv_exact(sock, 9)
                self.assertEqual(reply[7:9], bytes([function | 0x80, 1]), "function %d" % function)
        self.assertEqual(raw_read(self.port, 3, 0, 1, unit=7), (None, 0x0B))
        self.assertEqual(raw_read(self.port, 3, 0, 126), (None, 3))
        self.assertEqual(len(raw_read(self.port, 3, 40000, 125)[0]), 125)
        self.assertEqual(raw_read(self.port, 4, 0x66, 1), (None, 2))

    def test_sixteen_clients_at_once_and_idle_ones_are_closed(self):
        socks = [socket.create_connection(("127.0.0.1", self.port), timeout=5) for _ in range(20)]
        try:
            for k, sock in enumerate(socks):
                words, e = modbus_load.read_registers(sock, k, 4, 0, 2)
                self.assertIsNone(e)
            # The idle timeout is 2 s here: a silent connection is closed.
            time.sleep(2.6)
            socks[0].settimeout(3)
            self.assertEqual(socks[0].recv(1), b"")
        finally:
            for sock in socks:
                sock.close()

    def test_silent_and_half_frame_clients_do_not_delay_others(self):
        silent = socket.create_connection(("127.0.0.1", self.port), timeout=5)
        half = socket.create_connection(("127.0.0.1", self.port), timeout=5)
        half.sendall(bytes([0, 1, 0, 0, 0, 6, 1, 4]))  # half a request, never finished
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=5) as sock:
                worst = 0.0
                for k in range(200):
                    t0 = time.perf_counter()
                    modbus_load.read_registers(sock, k, 4, 0, 60)
                    worst = max(worst, time.perf_counter() - t0)
            self.assertLess(worst, 0.25, "a read took %.3f s beside a stalled client" % worst)
        finally:
            silent.close()
            half.close()

    def test_malformed_frames_close_only_their_connection(self):
        cases = [
            bytes([0, 1, 0, 1, 0, 6, 1, 3, 0, 0, 0, 1]),     # protocol id 1
            bytes([0, 1, 0, 0, 0xFF, 0xFF, 1, 3, 0, 0]),     # length beyond any frame
            bytes([0, 1, 0, 0, 0, 1, 1]),                    # length too short for a PDU
        ]
        for frame in cases:
            with socket.create_connection(("127.0.0.1", self.port), timeout=5) as sock:
                sock.sendall(frame)
                self.assertEqual(sock.recv(16), b"", frame.hex())
        # A length that claims more than was sent: the server waits for the
        # rest and never reads the next bytes as this frame's.
        with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
            sock.sendall(bytes([0, 1, 0, 0, 0, 8, 1, 4, 0, 0, 0, 1]))
            with self.assertRaises(socket.timeout):
                sock.recv(16)
        self.assertIsNone(raw_read(self.port, 4, 0, 2)[1])

    def test_ten_thousand_random_frames(self):
        rng = random.Random(25)
        answered = 0
        with socket.create_connection(("127.0.0.1", self.port), timeout=5) as sock:
            for k in range(10000):
                pdu = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 12)))
                sock.sendall(struct.pack(">HHHB", k & 0xFFFF, 0, len(pdu) + 1, rng.choice([0, 1, 255, 7])) + pdu)
                header = modbus_load.recv_exact(sock, 7)
                tid, proto, length, _ = struct.unpack(">HHHB", header)
                body = modbus_load.recv_exact(sock, length - 1)
                self.assertEqual((tid, proto), (k & 0xFFFF, 0))
                self.assertTrue(body[0] & 0x80 or body[0] in (3, 4))
                answered += 1
        self.assertEqual(answered, 10000)
        self.assertIsNone(raw_read(self.port, 4, 0, 2)[1])

    def test_p1_telegram_matches_the_window(self):
        with socket.create_connection(("127.0.0.1", self.p1_port), timeout=5) as sock:
            data = b""
            while not re.search(rb"!([0-9A-F]{4})\r\n", data[data.find(b"/"):] if b"/" in data else b""):
                chunk = sock.recv(4096)
                self.assertTrue(chunk, "P1 stream closed")
                data += chunk
        telegram = data[data.find(b"/"):]
        values = parse_p1(self, telegram)
        ph = self.window["phases"]
        self.assertEqual(values["1-3:0.2.8"], "50")
        for p, code in enumerate(("32.7.0", "52.7.0", "72.7.0")):
            self.assertAlmostEqual(float(values["1-0:" + code].split("*")[0]), ph[p]["v_rms"], delta=0.05)
        for p, code in enumerate(("31.7.0", "51.7.0", "71.7.0")):
            self.assertEqual(int(values["1-0:" + code].split("*")[0]), round(ph[p]["i_rms"]))
        for p, code in enumerate(("21.7.0", "41.7.0", "61.7.0")):
            self.assertAlmostEqual(float(values["1-0:" + code].split("*")[0]) * 1000, ph[p]["p_w"], delta=0.5)
        self.assertAlmostEqual(float(values["1-0:1.7.0"].split("*")[0]) * 1000, self.window["total"]["p_w"], delta=0.5)
        hi = raw_read(self.port, 4, 0x106C, 4)[0]
        kwh = float(values["1-0:1.8.1"].split("*")[0]) + float(values["1-0:1.8.2"].split("*")[0])
        self.assertAlmostEqual(kwh, (uint64(hi, 0) // 1000) / 1000.0, delta=1e-9)
        self.assertEqual(values["0-0:96.1.1"], "TEST0001".encode().hex().upper())


def parse_p1(test, telegram):
    """DSMR 5: '/' identification line, blank line, OBIS lines, '!' CRC16/ARC over '/'..'!'."""
    text = telegram.decode("ascii")
    bang = text.index("!")
    crc = 0
    for byte in telegram[:bang + 1]:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    test.assertEqual(text[bang + 1:bang + 5], "%04X" % crc)
    lines = text[:bang].split("\r\n")
    test.assertTrue(lines[0].startswith("/"))
    test.assertEqual(lines[1], "")
    values = {}
    for line in lines[2:]:
        if not line:
            continue
        match = re.fullmatch(r"(\d-\d:\d+\.\d+\.\d+)\((.*)\)", line)
        test.assertIsNotNone(match, line)
        values[match.group(1)] = match.group(2)
    return values


class ModbusRtuOverAPseudoTerminal(unittest.TestCase):
    def test_pymodbus_serial_client_reads_the_maps(self):
        require(shutil.which("socat"), "socat")
        require(have_pymodbus(), "python3-pymodbus")
        try:
            import serial  # noqa: F401
            import serial_asyncio  # noqa: F401
        except ImportError:
            require(False, "python3-serial and python3-serial-asyncio")
        from pymodbus.client import ModbusSerialClient
        work = tempfile.mkdtemp(prefix="meter-rtu-")
        meter_end, client_end = os.path.join(work, "meter-tty"), os.path.join(work, "client-tty")
        socat = subprocess.Popen(["socat", "pty,raw,echo=0,link=" + meter_end, "pty,raw,echo=0,link=" + client_end],
                                 stderr=subprocess.DEVNULL)
        try:
            deadline = time.time() + 5
            while not (os.path.exists(meter_end) and os.path.exists(client_end)) and time.time() < deadline:
                time.sleep(0.05)
            # A pseudo-terminal refuses parity settings (EINVAL), so 8N1 here.
            p1_meter, p1_reader = os.path.join(work, "p1-meter"), os.path.join(work, "p1-reader")
            p1_socat = subprocess.Popen(["socat", "pty,raw,echo=0,link=" + p1_meter, "pty,raw,echo=0,link=" + p1_reader],
                                        stderr=subprocess.DEVNULL)
            deadline = time.time() + 5
            while not (os.path.exists(p1_meter) and os.path.exists(p1_reader)) and time.time() < deadline:
                time.sleep(0.05)
            service = Service(work, "rtu", ["--modbus-rtu", meter_end + ":38400:8N1", "--modbus-unit-id", "5",
                                            "--p1-tty", p1_meter], seconds=3)
            service.wait_for_end()
            client = ModbusSerialClient(port=client_end, baudrate=38400, parity="N", stopbits=1, timeout=2)
            self.assertTrue(client.connect())
            cg = client.read_input_registers(0x0000, 0x34, slave=5)
            self.assertFalse(cg.isError(), str(cg))
            hi = client.read_holding_registers(0x1000, 2, slave=5)
            self.assertFalse(hi.isError(), str(hi))
            window = window_of(service, (hi.registers[0] << 16) | hi.registers[1])
            for p in range(3):
                self.assertAlmostEqual(int32_low_first(cg.registers, 2 * p) / 10.0, window["phases"][p]["v_rms"], delta=0.1)
            ss = client.read_holding_registers(40000, 4, slave=5)
            self.assertEqual(ss.registers, [0x5375, 0x6E53, 1, 66])
            # P1 on the serial line: whole telegrams, every second.
            import serial
            with serial.Serial(p1_reader, 115200, timeout=3) as line:
                data = b""
                deadline = time.time() + 5
                while data.count(b"!") < 2 and time.time() < deadline:
                    data += line.read(4096)
            first = data.find(b"/")
            self.assertGreaterEqual(first, 0, data[:200])
            telegram = data[first:data.index(b"\r\n", data.index(b"!", first)) + 2]
            values = parse_p1(self, telegram)
            self.assertAlmostEqual(float(values["1-0:32.7.0"].split("*")[0]), window["phases"][0]["v_rms"], delta=0.05)
            write = client.write_register(0, 1, slave=5)
            self.assertTrue(write.isError())
            self.assertEqual(write.exception_code, 1)
            outside = client.read_holding_registers(0x66, 1, slave=5)
            self.assertEqual(outside.exception_code, 2)
            client.close()
            self.assertEqual(service.stop(), 0)
        finally:
            for process in (socat, locals().get("p1_socat")):
                if process is not None:
                    process.terminate()
                    process.wait(timeout=5)
            shutil.rmtree(work, ignore_errors=True)


class ServiceLifecycle(unittest.TestCase):
    def setUp(self):
        self.work = tempfile.mkdtemp(prefix="meter-life-")

    def tearDown(self):
        shutil.rmtree(self.work, ignore_errors=True)

    def test_totals_never_drop_across_a_restart(self):
        state = os.path.join(self.work, "state")
        first = Service(self.work, "first", ["--modbus-tcp", "127.0.0.1:0"], seconds=3, state=state)
        port = first.port("Modbus TCP")
        first.wait_for_end()
        before = uint64(raw_read(port, 4, 0x106C, 4)[0], 0)
        self.assertGreater(before, 0)
        self.assertEqual(first.stop(), 0)
        self.assertEqual(os.stat(state).st_mode & 0o777, 0o700)
        # Restarted on the same state directory, read as early as possible.
        second = Service(self.work, "second", ["--modbus-tcp", "127.0.0.1:0"], seconds=3, speed="1", state=state)
        port = second.port("Modbus TCP")
        seen = []
        deadline = time.time() + 2
        while time.time() < deadline:
            try:
                words, exception = raw_read(port, 4, 0x106C, 4)
            except OSError:
                continue
            if exception is None:
                seen.append(uint64(words, 0))
            else:
                self.assertEqual(exception, 6)  # busy: never a zero total
        self.assertTrue(seen)
        self.assertGreaterEqual(min(seen), before)
        self.assertEqual(seen, sorted(seen))
        second.stop()

    def test_sigterm_saves_and_exits_zero_and_the_config_file_is_read(self):
        config = os.path.join(self.work, "meter.toml")
        with open(config, "w") as f:
            f.write('modbus-tcp = "127.0.0.1:0"\nmodbus-idle-timeout-s = 30.0\nwiring = "3p4w"\n')
        service = Service(self.work, "term", ["--config", config], seconds=30, speed="1")
        port = service.port("Modbus TCP")
        time.sleep(1.0)
        self.assertIsNone(raw_read(port, 4, 0x1000, 2)[1])
        self.assertEqual(service.stop(), 0)
        self.assertTrue(os.path.exists(os.path.join(service.state, "registers.store")))
        self.assertRegex(service.stderr(), r"lost_frames 0")

    def test_bad_configuration_names_the_key_and_line(self):
        cases = [
            ("bad.toml", 'un = 230\nmodbus-tcpp = "127.0.0.1:502"\n', r"bad\.toml:2: key 'modbus-tcpp' is not a configuration key"),
            ("type.toml", 'un = "high"\n', r"type\.toml:1: key 'un'"),
            ("range.toml", '\n\nnominal-hz = 55\n', r"range\.toml:3: key 'nominal-hz'"),
            ("flag.toml", 'linger = 1\n', r"flag\.toml:1: key 'linger' must be true or false"),
            ("bad.json", '{\n  "un": 230,\n  "speed": -1\n}\n', r"bad\.json:3: key 'speed'"),
            ("syntax.json", '{\n  "un": 230,\n  oops\n}\n', r"syntax\.json:3:"),
        ]
        for name, text, pattern in cases:
            path = os.path.join(self.work, name)
            with open(path, "w") as f:
                f.write(text)
            out = subprocess.run([METER_LINUX, "--config", path, "--state-dir", os.path.join(self.work, "s")],
                                 capture_output=True, text=True, timeout=10)
            self.assertEqual(out.returncode, 2, name + ": " + out.stderr)
            self.assertRegex(out.stderr, pattern, name)
        # The command line overrides the file.
        path = os.path.join(self.work, "ok.json")
        with open(path, "w") as f:
            f.write('{"nominal-hz": 55}')
        out = subprocess.run([METER_LINUX, "--config", path, "--nominal-hz", "60", "--print-modbus-map"],
                             capture_output=True, text=True, timeout=10)
        self.assertEqual(out.returncode, 0, out.stderr)

    def test_hostile_input_while_metering_costs_no_sample(self):
        service = Service(self.work, "hostile", ["--modbus-tcp", "127.0.0.1:0"], seconds=6, current=4.0, rated=5.0,
                          speed="1")
        port = service.port("Modbus TCP")
        rng = random.Random(7)
        bad = [bytes([0, 1, 0, 1, 0, 6, 1, 3, 0, 0, 0, 1]), bytes([0, 1, 0, 0, 0xFF, 0xFF, 1, 3]),
               bytes([0, 1, 0, 0, 0, 1, 1]), bytes([0, 1, 0, 0, 0, 6, 1])]
        sent = 0
        deadline = time.time() + 4
        while time.time() < deadline:
            with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
                sock.sendall(rng.choice(bad))
            with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
                for k in range(500):
                    pdu = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 12)))
                    sock.sendall(struct.pack(">HHHB", k, 0, len(pdu) + 1, rng.randrange(256)) + pdu)
                    header = modbus_load.recv_exact(sock, 7)
                    modbus_load.recv_exact(sock, struct.unpack(">HHHB", header)[2] - 1)
                    sent += 1
        self.assertGreater(sent, 2000)
        service.wait_for_end()
        self.assertEqual(uint64(raw_read(port, 4, 0x1068, 4)[0], 0), 0)  # lost_frames
        self.assertEqual(service.stop(), 0)
        self.assertRegex(service.stderr(), r"48000 frames, \d+ windows, lost_frames 0")

    def test_fifty_clients_cost_no_sample(self):
        # The short form of bench/modbus_load.py: 50 clients as fast as they
        # can while a 3P4W 8 kSPS source runs in real time.
        result = modbus_load.run(METER_LINUX, METER_SIM, seconds=4, clients=50, registers=60)
        self.assertEqual(result["errors"], [])
        self.assertEqual(result["exit_status"], 0)
        self.assertGreater(result["requests"], 1000)
        self.assertEqual(result["frames"], 8 * 8000)
        self.assertEqual(result["lost_frames"], 0)
        self.assertEqual(result["lost_frames_register"], 0)


class ArmhfServiceUnderQemu(unittest.TestCase):
    """The armhf build, as integrators run it on a board, serving Modbus TCP
    and HTTPS from its threads under qemu-arm (Debian's armhf multiarch root)."""

    def test_interfaces_answer_under_qemu_arm(self):
        armhf = os.environ.get("METER_LINUX_ARMHF", os.path.join(HERE, "../../build/linux-armhf/firmware_hal/linux/meter-linux"))
        required = IN_CI or os.environ.get("METER_REQUIRE_TARGETS")
        if not (os.path.exists(armhf) and shutil.which("qemu-arm")):
            message = "the linux-armhf build or qemu-arm is missing (scripts/run-tests.sh builds it)"
            if required:
                raise AssertionError(message)
            raise unittest.SkipTest(message)
        work = tempfile.mkdtemp(prefix="meter-armhf-")
        try:
            service = Service(work, "armhf", ["--modbus-tcp", "127.0.0.1:0", "--http", "127.0.0.1:0"], seconds=3,
                              program=["qemu-arm", "-L", "/", armhf])
            service.wait_for_end(timeout=120)
            port = service.port("Modbus TCP")
            words, exception = raw_read(port, 4, 0x1000, 2)
            self.assertIsNone(exception, "Modbus TCP under qemu-arm")
            sequence = (words[0] << 16) | words[1]
            window = window_of(service, sequence)
            volts, exception = raw_read(port, 4, 0x0000, 2)
            self.assertIsNone(exception)
            self.assertAlmostEqual(int32_low_first(volts, 0) / 10.0, window["phases"][0]["v_rms"], delta=0.1)
            https = service.port("HTTPS")
            with open(os.path.join(service.state, "api-token")) as f:
                token = f.read().strip()
            out = subprocess.run(["curl", "-s", "--cacert", os.path.join(service.state, "https-cert.pem"), "-H",
                                  "Authorization: Bearer " + token, "https://localhost:%d/api/v1/status" % https],
                                 capture_output=True, text=True, timeout=30)
            status = json.loads(out.stdout)
            self.assertEqual(status["sequence"], sequence)
            self.assertEqual(status["phases"], window["phases"])
            self.assertEqual(service.stop(), 0)
            self.assertIn("lost_frames 0", service.stderr())
        finally:
            shutil.rmtree(work, ignore_errors=True)


class ConfigurationKeysAreDocumented(unittest.TestCase):
    def test_docs_table_matches_the_program(self):
        out = subprocess.run([METER_LINUX, "--print-config-keys"], capture_output=True, text=True, check=True).stdout
        doc = open(os.path.join(HERE, "..", "..", "docs", "SERVICE.md")).read()
        begin = "<!-- generated: meter-linux --print-config-keys -->\n"
        end = "<!-- end of generated keys -->"
        self.assertIn(begin, doc)
        self.assertEqual(doc[doc.index(begin) + len(begin):doc.index(end)], out,
                         "regenerate docs/SERVICE.md's key table with meter-linux --print-config-keys")


if __name__ == "__main__":
    unittest.main(verbosity=2)
