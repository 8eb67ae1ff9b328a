// The dashboard: live values every second, harmonics, registers and the
// load profile, from /api/v1/ with the session cookie. Charts are plain SVG
// drawn here (no chart library, nothing from the internet).
"use strict";

const $ = (selector) => document.querySelector(selector);
const SVG = "http://www.w3.org/2000/svg";

async function get(path) {
  const response = await fetch(path, { credentials: "same-origin", cache: "no-store" });
  if (response.status === 401) {
    location.href = "/login";
    throw new Error("not logged in");
  }
  if (!response.ok) {
    let message = path + ": HTTP " + response.status;
    try { message += ": " + (await response.json()).error; } catch (e) { /* not JSON */ }
    throw new Error(message);
  }
  return response.json();
}

function showError(error) {
  const p = $("#error");
  p.textContent = error ? String(error.message || error) : "";
  p.hidden = !error;
}

// A value at a path such as "phases.0.v_rms" in a window object.
function at(object, path) {
  return path.split(".").reduce((o, k) => (o === undefined || o === null ? undefined : o[k]), object);
}

function format(value, digits) {
  return typeof value === "number" && isFinite(value) ? value.toFixed(digits) : "–";
}

// Rows of the live table: [label, digits, per-phase path, system path].
const LIVE_ROWS = [
  ["V L-N (V)", 2, (p) => `phases.${p}.v_rms`, null],
  ["V L-L (V)", 2, (p) => `v_ll_rms.${p}`, null],
  ["I (A)", 3, (p) => `phases.${p}.i_rms`, "i_n_rms"],
  ["P (W)", 1, (p) => `phases.${p}.p_w`, "total.p_w"],
  ["Q (var)", 1, (p) => `phases.${p}.q_var`, "total.q_var"],
  ["S (VA)", 1, (p) => `phases.${p}.s_va`, "total.s_va"],
  ["PF", 3, (p) => `phases.${p}.pf`, "total.pf"],
  ["f (Hz)", 3, null, "f_hz"],
  ["THD V (%)", 2, (p) => `phases.${p}.thd_v_pct`, null],
  ["THD I (%)", 2, (p) => `phases.${p}.thd_i_pct`, null],
];

function buildLiveTable() {
  const body = $("#live tbody");
  for (const [label, digits, phasePath, systemPath] of LIVE_ROWS) {
    const row = body.insertRow();
    row.insertCell().textContent = label === "I (A)" ? "I (A), I N" : label;
    for (let p = 0; p < 3; p++) {
      const cell = row.insertCell();
      if (phasePath) {
        cell.dataset.field = phasePath(p);
        cell.dataset.digits = digits;
      }
    }
    const cell = row.insertCell();
    if (systemPath) {
      cell.dataset.field = systemPath;
      cell.dataset.digits = digits;
    }
  }
}

function renderStatus(status) {
  const live = $("#live");
  live.dataset.sequence = status.sequence === null ? "" : status.sequence;
  for (const cell of live.querySelectorAll("[data-field]")) {
    cell.textContent = format(at(status, cell.dataset.field), Number(cell.dataset.digits));
  }
  const age = status.time_unix_s ? Math.max(0, Date.now() / 1000 - status.time_unix_s) : NaN;
  $("#live-age").textContent = status.sequence === null ? "(no window yet)"
    : `window ${status.sequence}, ${isFinite(age) ? age.toFixed(1) : "?"} s ago`;
  const flags = $("#flags");
  flags.replaceChildren();
  for (const flag of status.flags || []) flags.append(badge(flag, "warn"));
  if ((status.flags || []).length === 0 && status.sequence !== null) flags.append(badge("no window flags", "ok"));
  if (status.lost_frames > 0) flags.append(badge(`lost frames ${status.lost_frames}`, "bad"));
}

function badge(text, kind) {
  const span = document.createElement("span");
  span.className = "badge " + kind;
  span.textContent = text;
  return span;
}

function renderInfo(info) {
  $("#serial").textContent = info.serial;
  const r = info.ratings;
  $("#identity").textContent = `${info.wiring.toUpperCase()}, ${r.un_v} V, ${r.in_a} A, ${r.nominal_hz} Hz, `
    + `${info.numeric}, v${info.version}, up ${(info.uptime_s / 3600).toFixed(2)} h`;
  const i = info.interfaces;
  const health = $("#health");
  health.replaceChildren(
    badge(i.modbus_tcp.on ? `Modbus TCP: ${i.modbus_tcp.clients} clients` : "Modbus TCP off", i.modbus_tcp.on ? "ok" : "off"),
    badge(i.modbus_rtu.on ? "Modbus RTU on" : "Modbus RTU off", i.modbus_rtu.on ? "ok" : "off"),
    badge(i.p1.on ? "P1 on" : "P1 off", i.p1.on ? "ok" : "off"),
    badge(!i.mqtt.on ? "MQTT off" : i.mqtt.connected ? "MQTT connected" : "MQTT not connected",
      !i.mqtt.on ? "off" : i.mqtt.connected ? "ok" : "bad"),
    badge(info.registers_ready ? "registers restored" : "registers not yet restored", info.registers_ready ? "ok" : "warn"));
  health.id = "health";
  health.dataset.mqttConnected = i.mqtt.connected;
  health.dataset.modbusClients = i.modbus_tcp.clients;
}

// Registers: [label, path in "kilo", unit].
function renderEnergy(energy) {
  const body = $("#registers tbody");
  body.replaceChildren();
  if (!energy.ready) {
    body.insertRow().insertCell().textContent = "Registers not yet restored.";
    return;
  }
  const k = energy.kilo;
  const rows = [
    ["Active import", k.kwh_imp, "kWh"], ["Active export", k.kwh_exp, "kWh"],
    ["Reactive import", k.kvarh_imp, "kvarh"], ["Reactive export", k.kvarh_exp, "kvarh"],
    ["Apparent", k.kvah, "kVAh"],
  ];
  for (let q = 0; q < 4; q++) rows.push([`Active, quadrant ${q + 1}`, k.kwh_q[q], "kWh"]);
  for (let q = 0; q < 4; q++) rows.push([`Reactive, quadrant ${q + 1}`, k.kvarh_q[q], "kvarh"]);
  for (let t = 0; t < 2; t++) rows.push([`Import, tariff ${t + 1}${energy.tariff === t + 1 ? " (now)" : ""}`, k.kwh_imp_tariff[t], "kWh"]);
  for (let t = 0; t < 2; t++) rows.push([`Export, tariff ${t + 1}`, k.kwh_exp_tariff[t], "kWh"]);
  rows.push([`Partial import${energy.partial_running ? " (running)" : " (stopped)"}`, k.partial.kwh_imp, "kWh"]);
  rows.push(["Partial export", k.partial.kwh_exp, "kWh"]);
  k.phases.forEach((ph, p) => rows.push([`L${p + 1} import / export`, `${ph.kwh_imp.toFixed(3)} / ${ph.kwh_exp.toFixed(3)}`, "kWh"]));
  const h = energy.hours;
  rows.push(["Hours import / export / on", `${(h.import_s / 3600).toFixed(2)} / ${(h.export_s / 3600).toFixed(2)} / ${(h.on_s / 3600).toFixed(2)}`, "h"]);
  rows.push(["Partial hours import / export", `${(h.partial_import_s / 3600).toFixed(2)} / ${(h.partial_export_s / 3600).toFixed(2)}`, "h"]);
  for (const [label, value, unit] of rows) {
    const row = body.insertRow();
    row.insertCell().textContent = label;
    row.insertCell().textContent = typeof value === "number" ? value.toFixed(3) : value;
    row.insertCell().textContent = unit;
  }
}

function svg(tag, attributes, parent) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attributes)) node.setAttribute(k, v);
  if (parent) parent.append(node);
  return node;
}

// One bar chart per channel, orders 2..31 scaled to the largest of them
// (the fundamental would flatten the rest); its value is in the title.
function renderHarmonics(harmonics) {
  const box = $("#harmonics");
  box.replaceChildren();
  for (const channel of harmonics.channels) {
    const figure = document.createElement("div");
    figure.className = "chart";
    figure.dataset.channel = channel.channel;
    const m = channel.magnitude;
    const fundamental = m[0] || 0;
    const title = document.createElement("h3");
    title.textContent = `${channel.channel.toUpperCase()}: fundamental ${format(fundamental, 3)} ${channel.unit}`;
    figure.append(title);
    const w = 320, h = 120, left = 34, bottom = 16;
    const chart = svg("svg", { viewBox: `0 0 ${w} ${h}`, role: "img", "aria-label": `harmonics of ${channel.channel}` }, figure);
    const rest = m.slice(1).map((x) => (typeof x === "number" && isFinite(x) ? x : 0));
    const top = Math.max(...rest, 1e-9);
    const barWidth = (w - left - 4) / Math.max(rest.length, 1);
    rest.forEach((x, k) => {
      const height = (x / top) * (h - bottom - 6);
      const bar = svg("rect", { class: "bar", x: left + k * barWidth + 1, y: h - bottom - height,
        width: Math.max(barWidth - 2, 1), height: Math.max(height, 0) }, chart);
      svg("title", {}, bar).textContent = `order ${k + 2}: ${format(x, 4)} ${channel.unit} (${format(fundamental ? 100 * x / fundamental : NaN, 2)} %)`;
    });
    svg("line", { class: "axis", x1: left, y1: h - bottom, x2: w, y2: h - bottom }, chart);
    svg("text", { x: 2, y: 10 }, chart).textContent = format(top, top < 1 ? 3 : 1);
    for (const order of [2, 11, 21, 31]) {
      if (order - 2 < rest.length) svg("text", { x: left + (order - 2) * barWidth, y: h - 3 }, chart).textContent = order;
    }
    box.append(figure);
  }
}

// P over the range: the average as a line, minimum to maximum as a band.
function renderHistory(history) {
  const box = $("#history");
  box.replaceChildren();
  const rows = history.rows;
  const note = $("#history-note");
  if (rows.length === 0) {
    note.textContent = "No load-profile records in this range yet.";
    return;
  }
  const energy = rows.reduce((sum, r) => sum + r.energy_milli.kwh_imp - r.energy_milli.kwh_exp, 0) / 1e6;
  note.textContent = `${rows.length} intervals of ${history.step_s} s; net active energy ${energy.toFixed(3)} kWh. `
    + "Line: average P; band: minimum to maximum.";
  const w = 900, h = 260, left = 56, bottom = 22, right = 8, topPad = 8;
  const chart = svg("svg", { viewBox: `0 0 ${w} ${h}`, role: "img", "aria-label": "load profile" }, box);
  const t0 = history.from_unix_s, t1 = history.to_unix_s;
  const values = rows.flatMap((r) => [r.p_w.min, r.p_w.max, r.p_w.avg]).filter((x) => typeof x === "number");
  let lo = Math.min(0, ...values), hi = Math.max(0, ...values);
  if (hi - lo < 1e-9) hi = lo + 1;
  const x = (t) => left + ((t - t0) / (t1 - t0)) * (w - left - right);
  const y = (v) => topPad + (1 - (v - lo) / (hi - lo)) * (h - topPad - bottom);
  const mid = (r) => r.start_unix_s + history.step_s / 2;
  const known = rows.filter((r) => typeof r.p_w.avg === "number");
  if (known.length > 0) {
    const upper = known.map((r) => `${x(mid(r)).toFixed(1)},${y(r.p_w.max).toFixed(1)}`);
    const lower = known.slice().reverse().map((r) => `${x(mid(r)).toFixed(1)},${y(r.p_w.min).toFixed(1)}`);
    svg("polygon", { class: "band", points: upper.concat(lower).join(" ") }, chart);
    svg("polyline", { class: "line", points: known.map((r) => `${x(mid(r)).toFixed(1)},${y(r.p_w.avg).toFixed(1)}`).join(" ") }, chart);
  }
  svg("line", { class: "axis", x1: left, y1: y(0), x2: w - right, y2: y(0) }, chart);
  svg("line", { class: "axis", x1: left, y1: topPad, x2: left, y2: h - bottom }, chart);
  svg("text", { x: 2, y: topPad + 10 }, chart).textContent = `${hi.toFixed(0)} W`;
  svg("text", { x: 2, y: h - bottom }, chart).textContent = `${lo.toFixed(0)} W`;
  const when = (t) => new Date(t * 1000).toLocaleString([], { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });
  svg("text", { x: left, y: h - 4 }, chart).textContent = when(t0);
  svg("text", { x: w - right - 110, y: h - 4 }, chart).textContent = when(t1);
}

async function refreshHistory() {
  const range = Number($("#range").value);
  let step = Number($("#step").value);
  while (range / step > 2000) step *= 4;  // keep the chart to a readable number of points
  const to = Math.ceil(Date.now() / 1000 / 60) * 60;
  const query = `from=${to - range}&to=${to}&step=${step}`;
  $("#csv").href = "/api/v1/history.csv?" + query;
  try {
    renderHistory(await get("/api/v1/history?" + query));
  } catch (error) {
    $("#history-note").textContent = String(error.message || error);
  }
}

let tick = 0;
async function refresh() {
  try {
    renderStatus(await get("/api/v1/status"));
    if (tick % 2 === 0) {
      renderInfo(await get("/api/v1/info"));
      renderEnergy(await get("/api/v1/energy"));
      renderHarmonics(await get("/api/v1/harmonics"));
    }
    if (tick % 60 === 0) await refreshHistory();
    showError(null);
  } catch (error) {
    showError(error);
  }
  tick++;
}

buildLiveTable();
$("#range").addEventListener("change", refreshHistory);
$("#step").addEventListener("change", refreshHistory);
refresh();
setInterval(refresh, 1000);
