// The duel page: a scenario held as data (the TOML file's tables), edited by the form and the map, sent as TOML
// to the server's API (/api/...), which validates and runs it with the CLI's pipeline. No physics here.
"use strict";

const $ = (id) => document.getElementById(id);
const state = { sc: null, places: {}, types: {}, run: null, result: null, pinned: null, adding: false };
let map, launchMark, targetMark, batteryLayer;

// ------------------------------------------------------------------ TOML (what the scenario schema holds)
function tomlKey(k) { return /^[A-Za-z0-9_-]+$/.test(k) ? k : JSON.stringify(k); }
function tomlValue(v) {
  if (Array.isArray(v)) return "[" + v.map(tomlValue).join(", ") + "]";
  if (v !== null && typeof v === "object")
    return "{ " + Object.entries(v).map(([k, x]) => tomlKey(k) + " = " + tomlValue(x)).join(", ") + " }";
  if (typeof v === "string") return JSON.stringify(v);
  return String(v);
}
function toToml(sc) {
  const out = [];
  for (const [name, table] of Object.entries(sc)) {
    if (Array.isArray(table)) {
      for (const row of table) {
        out.push("[[" + tomlKey(name) + "]]");
        for (const [k, v] of Object.entries(row)) if (v !== null && v !== undefined) out.push(tomlKey(k) + " = " + tomlValue(v));
        out.push("");
      }
    } else {
      out.push("[" + tomlKey(name) + "]");
      for (const [k, v] of Object.entries(table)) if (v !== null && v !== undefined) out.push(tomlKey(k) + " = " + tomlValue(v));
      out.push("");
    }
  }
  return out.join("\n");
}

// ------------------------------------------------------------------ API
async function api(path, body) {
  const r = await fetch(path, body === undefined ? {} : {
    method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  const ct = r.headers.get("content-type") || "";
  const data = ct.includes("json") ? await r.json() : await r.text();
  if (!r.ok) throw new Error(data.error || String(data));
  return data;
}

// ------------------------------------------------------------------ positions (for drawing only)
function offset(lat, lon, km, azDeg) {  // a point km away along an azimuth, on a sphere (display only)
  const R = 6371.0088, d = km / R, az = azDeg * Math.PI / 180, p1 = lat * Math.PI / 180, l1 = lon * Math.PI / 180;
  const p2 = Math.asin(Math.sin(p1) * Math.cos(d) + Math.cos(p1) * Math.sin(d) * Math.cos(az));
  const l2 = l1 + Math.atan2(Math.sin(az) * Math.sin(d) * Math.cos(p1), Math.cos(d) - Math.sin(p1) * Math.sin(p2));
  return [p2 * 180 / Math.PI, l2 * 180 / Math.PI];
}
function where(text) {  // a POSITION (place, "LAT,LON", "[BASE]+DISTkm@AZ") as [lat, lon], or null
  const t = String(text).trim();
  const off = t.match(/^(.*)\+([0-9.]+)km@([0-9.]+)$/);
  if (off) {
    const base = off[1] ? where(off[1]) : where(state.sc.threat.target);
    return base && offset(base[0], base[1], +off[2], +off[3]);
  }
  const ll = t.match(/^(-?[0-9.]+)\s*,\s*(-?[0-9.]+)$/);
  if (ll) return [+ll[1], +ll[2]];
  const p = state.places[t.toLowerCase()] || Object.values(state.places).find((x) => x.name.toLowerCase() === t.toLowerCase());
  return p ? [p.lat_deg, p.lon_deg] : null;
}

// ------------------------------------------------------------------ the form <-> the scenario
function fill() {
  const sc = state.sc;
  $("launch").value = sc.threat.launch; $("target").value = sc.threat.target;
  $("trajectory").value = sc.threat.trajectory || "min-energy";
  const n = sc.notice || {};
  $("lead").value = n.lead_min ?? ""; $("content").value = n.content || ""; $("recipient").value = n.recipient || "defender";
  const d = sc.doctrine || {};
  $("fire_control").value = d.fire_control || ""; $("shots").value = d.shots ?? 2; $("mode").value = d.mode || "salvo";
  $("seed").value = (sc.montecarlo || {}).seed ?? 1;
  draw();
}
function read() {
  const sc = state.sc;
  sc.threat.launch = $("launch").value; sc.threat.target = $("target").value; sc.threat.trajectory = $("trajectory").value;
  sc.notice = sc.notice || {};
  sc.notice.lead_min = $("lead").value === "" ? null : +$("lead").value;
  sc.notice.content = $("content").value || null; sc.notice.recipient = $("recipient").value;
  sc.doctrine = sc.doctrine || {};
  sc.doctrine.fire_control = $("fire_control").value || null;  // none: drawn, as the scenario file says
  sc.doctrine.shots = +$("shots").value; sc.doctrine.mode = $("mode").value;
  sc.montecarlo = sc.montecarlo || {};
  sc.montecarlo.seed = +$("seed").value;
  sc.outputs = undefined;  // the server chooses where results go
  $("dl-toml").href = "data:application/toml;charset=utf-8," + encodeURIComponent(toToml(clean(sc)));
}
function clean(sc) { const c = structuredClone(sc); delete c.outputs; return c; }

function draw() {
  const sc = state.sc;
  const l = where(sc.threat.launch), t = where(sc.threat.target);
  if (l) launchMark.setLatLng(l).setTooltipContent("launch: " + sc.threat.launch);
  if (t) targetMark.setLatLng(t).setTooltipContent("target: " + sc.threat.target);
  batteryLayer.clearLayers();
  const list = $("batteries");
  list.replaceChildren();
  (sc.batteries || []).forEach((b, i) => {
    const at = where(b.at), type = state.types[b.type];
    const li = document.createElement("li");
    li.textContent = (type ? type.name : b.type) + " at " + b.at + " ";
    const rm = document.createElement("button");
    rm.type = "button"; rm.textContent = "remove"; rm.setAttribute("aria-label", "remove battery " + (i + 1));
    rm.onclick = () => { sc.batteries.splice(i, 1); read(); draw(); };
    li.append(rm); list.append(li);
    if (!at) return;
    const m = L.marker(at, { draggable: true, title: b.type }).addTo(batteryLayer);
    m.on("dragend", () => { const p = m.getLatLng(); b.at = p.lat.toFixed(4) + "," + p.lng.toFixed(4); read(); draw(); });
    const reach = type && type.max_ground_range_km;  // {nominal, low, high, status, sources}: draw the nominal
    if (reach && Number.isFinite(reach.nominal))
      L.circle(at, { radius: reach.nominal * 1000, weight: 1, fill: false, color: "#2e7d32", dashArray: "4 3" })
        .bindTooltip("reach " + reach.nominal + " km (" + reach.low + "–" + reach.high + " km, " + reach.status + ")")
        .addTo(batteryLayer);
  });
  if (l && t) map.fitBounds(L.latLngBounds([l, t]).pad(0.15), { animate: false });
}

// ------------------------------------------------------------------ results
function pct(x) { return (100 * x).toFixed(1) + " %"; }
function show(el, res, label) {
  el.replaceChildren();
  if (!res) return;
  const v = res.verdict, h = document.createElement("h2");
  h.textContent = label + ": " + res.threat_label;
  const p = document.createElement("p");
  p.className = "headline"; p.textContent = v.headline;
  const table = document.createElement("table");
  const rows = [["P(all objects stopped)", v.p_all_stopped], ["objects that get through (expected)", v.expected_leakers],
                ["interceptors used", v.interceptors_used]];
  table.innerHTML = "<tr><th></th><th>across assumptions (median, 90 % range)</th><th>mean</th></tr>";
  for (const [name, q] of rows) {
    const prob = name.startsWith("P(");
    const f = prob ? pct : (x) => x.toFixed(1);
    const tr = document.createElement("tr");
    for (const text of [name, f(q.median) + " (" + f(q.range90[0]) + " – " + f(q.range90[1]) + ")", f(q.value)]) {
      const td = document.createElement("td"); td.textContent = text; tr.append(td);
    }
    tr.dataset.key = name; table.append(tr);
  }
  const tb = res.time_budget, t = document.createElement("p");
  t.className = "budget";
  t.textContent = "impact at T+" + (tb.impact_s / 60).toFixed(1) + " min; decision time left " +
    (tb.decision_time_left_s === null ? "—" : (tb.decision_time_left_s / 60).toFixed(1) + " min") + ".";
  el.append(h, p, table, t);
  el.dataset.pAllStopped = String(v.p_all_stopped.value);
}

async function run() {
  read();
  $("run").disabled = true; $("status").textContent = "starting"; $("progress").hidden = false; $("progress").value = 0;
  try {
    const started = await api("/api/runs", { toml: toToml(clean(state.sc)), seed: +$("seed").value, trials: +$("trials").value });
    state.run = started.id;
    for (;;) {
      const st = await api("/api/runs/" + started.id);
      if (st.progress.total) $("progress").value = st.progress.done / st.progress.total;
      $("status").textContent = st.state + (st.progress.total ? " " + st.progress.done + "/" + st.progress.total : "");
      if (st.state === "done") break;
      if (st.state !== "queued" && st.state !== "running") throw new Error(st.error || st.state);
      await new Promise((r) => setTimeout(r, 300));
    }
    const res = await api("/api/runs/" + started.id + "/result");
    res.threat_label = state.sc.threat.launch + " → " + state.sc.threat.target;
    state.result = res;
    show($("current"), res, "this run");
    $("status").textContent = "done";
    $("pin").disabled = false; $("versus").disabled = false;
    for (const [id, file] of [["dl-result", "result"], ["dl-report", "report"]]) {
      $(id).href = "/api/runs/" + started.id + "/" + file; $(id).hidden = false;
    }
  } catch (e) {
    $("status").textContent = "error: " + e.message;
  } finally {
    $("run").disabled = false; $("progress").hidden = true;
  }
}

async function loadScenario(name) {
  state.sc = await api("/api/scenarios/" + encodeURIComponent(name) + "?format=json");
  fill(); read();
}

async function main() {
  map = L.map("map", { zoomSnap: 0.25, attributionControl: false, preferCanvas: true }).setView([50, 35], 4);
  const world = await api("/static/countries-50m.json");
  L.geoJSON(topojson.feature(world, world.objects.countries), { style: { weight: 0.6, color: "#666", fillColor: "#d9d2c3", fillOpacity: 0.5 }, interactive: false }).addTo(map);
  map.createPane("sites").style.zIndex = 650;  // launch and target above the battery markers
  launchMark = L.circleMarker([0, 0], { pane: "sites", radius: 7, color: "#b00020", fillColor: "#b00020", fillOpacity: 0.9 }).bindTooltip("launch").addTo(map);
  targetMark = L.circleMarker([0, 0], { pane: "sites", radius: 7, color: "#0d47a1", fillColor: "#0d47a1", fillOpacity: 0.9 }).bindTooltip("target").addTo(map);
  batteryLayer = L.layerGroup().addTo(map);
  for (const p of await api("/api/catalog/places")) state.places[p.id] = p;
  for (const t of await api("/api/catalog/interceptors")) state.types[t.id] = t;
  const opts = (ids, label) => ids.map((id) => { const o = document.createElement("option"); o.value = id; o.textContent = label(id); return o; });
  const placeIds = Object.keys(state.places).sort();
  $("launch").append(...opts(placeIds, (id) => state.places[id].name));
  $("target").append(...opts(placeIds, (id) => state.places[id].name));
  $("newtype").append(...opts(Object.keys(state.types).sort(), (id) => state.types[id].name));
  const scenarios = await api("/api/scenarios");
  $("scenario").append(...opts(scenarios.map((s) => s.name), (id) => scenarios.find((s) => s.name === id).title));
  $("scenario").value = "kyiv-duel";
  await loadScenario("kyiv-duel");

  // only the places move the map; the other fields change the scenario, not the layout (a click that blurs a
  // field must land where it was aimed)
  for (const id of ["launch", "target"]) $(id).addEventListener("change", () => { read(); draw(); });
  for (const id of ["trajectory", "lead", "content", "recipient", "fire_control", "shots", "mode", "seed"])
    $(id).addEventListener("change", read);
  $("scenario").addEventListener("change", () => loadScenario($("scenario").value));
  $("add").onclick = () => { state.adding = !state.adding; $("add").setAttribute("aria-pressed", String(state.adding)); };
  map.on("click", (e) => {
    if (!state.adding) return;
    state.sc.batteries = state.sc.batteries || [];
    state.sc.batteries.push({ type: $("newtype").value, at: e.latlng.lat.toFixed(4) + "," + e.latlng.lng.toFixed(4) });
    state.adding = false; $("add").setAttribute("aria-pressed", "false");
    read(); draw();
  });
  $("run").onclick = run;
  $("pin").onclick = () => { state.pinned = state.result; show($("pinned"), state.pinned, "pinned"); };
  $("versus").onclick = () => {  // Kapustin Yar vs Krichev: the same duel from the other site, side by side
    $("pin").onclick();
    $("launch").value = state.sc.threat.launch === "krichev" ? "kapustin-yar" : "krichev";
    read(); draw(); run();
  };
  $("load").addEventListener("change", async (e) => {
    const text = await e.target.files[0].text();
    try { state.sc = await api("/api/parse", { toml: text }); fill(); read(); $("status").textContent = "loaded"; }
    catch (err) { $("status").textContent = "error: " + err.message; }
  });
  document.body.dataset.ready = "true";
}

main().catch((e) => { $("status").textContent = "error: " + e.message; });
