// The duel page: a scenario held as data (the TOML file's tables), edited by the form and the map, sent as TOML
// to the server's API (/api/...), which validates and runs it with the CLI's pipeline. No physics here.
"use strict";

const $ = (id) => document.getElementById(id);
const state = { sc: null, places: {}, types: {}, missiles: {}, run: null, result: null, pinned: null, adding: false, deciders: {} };
// the report's figures the page shows (the same SVGs as report.html: hover a part for its values and units)
const PAGE_FIGURES = ["timeline", "altitude", "leakers", "sobol", "tornado"];
// inputs the form above sets: not repeated as sliders
const FORM_PATHS = new Set(["doctrine.fire_control", "doctrine.shots", "doctrine.mode", "notice.lead_min"]);
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

// ------------------------------------------------------------------ the form <-> the scenario
function fill() {
  const sc = state.sc;
  $("missile").value = sc.threat.missile; $("launch").value = sc.threat.launch; $("target").value = sc.threat.target;
  $("trajectory").value = sc.threat.trajectory || "min-energy";
  const n = sc.notice || {};
  $("lead").value = n.lead_min ?? ""; $("content").value = n.content || ""; $("recipient").value = n.recipient || "defender";
  const d = sc.doctrine || {};
  $("fire_control").value = d.fire_control || ""; $("shots").value = d.shots ?? 2; $("mode").value = d.mode || "salvo";
  $("seed").value = (sc.montecarlo || {}).seed ?? 1;
}
function read() {
  const sc = state.sc;
  sc.threat.missile = $("missile").value;
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
// a change to the scenario kept only if the pipeline accepts it (else undone; the error line stays shown)
async function tryChange(apply, undo) {
  apply(); read();
  if (await draw()) return true;
  undo(); read();
  return false;
}
function clean(sc) { const c = structuredClone(sc); delete c.outputs; return c; }

async function draw() {
  // where things are is the pipeline's answer (/api/validate resolves places, LAT,LON and +DISTkm@AZ offsets);
  // the page computes no position of its own. Returns whether the scenario is valid.
  const sc = state.sc;
  let resolved;
  try {
    resolved = await api("/api/validate", { toml: toToml(clean(sc)) });
  } catch (e) {
    $("status").textContent = "error: " + e.message;
    return false;
  }
  const l = [resolved.launch.lat_deg, resolved.launch.lon_deg], t = [resolved.target.lat_deg, resolved.target.lon_deg];
  launchMark.setLatLng(l).setTooltipContent("launch: " + resolved.launch.name);
  targetMark.setLatLng(t).setTooltipContent("target: " + resolved.target.name);
  batteryLayer.clearLayers();
  const list = $("batteries");
  list.replaceChildren();
  resolved.batteries.forEach((r, i) => {
    const b = sc.batteries[i], at = [r.lat_deg, r.lon_deg];
    const li = document.createElement("li");
    li.append(r.name + " at ");
    const pos = document.createElement("input");  // typed position: place, LAT,LON or [PLACE]+DISTkm@AZ
    pos.type = "text"; pos.value = b.at; pos.size = 16; pos.className = "at";
    pos.setAttribute("aria-label", "position of battery " + (i + 1));
    pos.addEventListener("change", () => {
      const before = b.at;
      tryChange(() => { b.at = pos.value.trim(); }, () => { b.at = pos.value = before; });
    });
    li.append(pos, " ");
    const rm = document.createElement("button");
    rm.type = "button"; rm.textContent = "remove"; rm.setAttribute("aria-label", "remove battery " + (i + 1));
    rm.onclick = () => { sc.batteries.splice(i, 1); read(); draw(); };
    li.append(rm); list.append(li);
    const m = L.marker(at, { draggable: true, title: r.label }).addTo(batteryLayer);
    m.on("dragend", () => { const p = m.getLatLng(); b.at = p.lat.toFixed(4) + "," + p.lng.toFixed(4); read(); draw(); });
    L.circle(at, { radius: r.reach_km * 1000, weight: 1, fill: false, color: "#2e7d32", dashArray: "4 3" })
      .bindTooltip(r.label + ": reach " + r.reach_km.toFixed(0) + " km (nominal)").addTo(batteryLayer);
  });
  map.fitBounds(L.latLngBounds([l, t]).pad(0.15), { animate: false });
  document.body.dataset.drawn = String(resolved.batteries.length);
  return true;
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
  const d = document.createElement("p");
  d.className = "decides"; d.textContent = "What decides it: " + (res.decides.words || "no input stands out of the noise.");
  el.append(h, p, table, t, d);
  for (const f of res.figures) {  // inline SVG (hover titles work); ids made unique per card
    const div = document.createElement("div");
    div.className = "chart"; div.dataset.figure = f.id;
    div.innerHTML = f.svg.replaceAll('id="fig-', 'id="' + el.id + '-').replaceAll("#fig-", "#" + el.id + "-");
    el.append(div);
  }
  el.dataset.pAllStopped = String(v.p_all_stopped.value);
}

// ------------------------------------------------------------------ what decides it: sliders within the bands
function fmt(x, row) { return row.kind === "count" ? String(Math.round(x)) : (+x).toPrecision(3); }
function sliders() {
  // the last run's highest-ranked inputs and every input set here before (a set input is no longer drawn, so
  // it drops out of the ranking; its slider stays)
  const sc = state.sc, box = $("sliders"), fixed = sc.fixed || {};
  box.replaceChildren();
  for (const row of Object.values(state.deciders)) {
    if (!(row.ranked || row.path in fixed)) continue;
    const set = row.path in fixed, div = document.createElement("div");
    div.className = "slider"; div.dataset.path = row.path;
    const on = document.createElement("input");
    on.type = "checkbox"; on.checked = set; on.setAttribute("aria-label", "set " + row.path);
    const range = document.createElement("input");
    range.type = "range"; range.min = row.low; range.max = row.high;
    range.step = row.kind === "count" ? 1 : (row.high - row.low) / 100;
    range.value = set ? fixed[row.path] : row.nominal; range.setAttribute("aria-label", row.label);
    const out = document.createElement("output");
    const unit = row.unit && row.unit !== "-" ? " " + row.unit.replace("^2", "²").replace("^3", "³") : "";
    const say = () => { out.textContent = (on.checked ? "set to " + fmt(range.value, row) + unit : "drawn across its band"); };
    const apply = () => {
      sc.fixed = sc.fixed || {};
      if (on.checked) sc.fixed[row.path] = row.kind === "count" ? Math.round(+range.value) : +range.value;
      else delete sc.fixed[row.path];
      if (!Object.keys(sc.fixed).length) delete sc.fixed;
      say(); read();
    };
    range.addEventListener("input", () => { on.checked = true; apply(); });
    on.addEventListener("change", apply);
    say();
    const name = document.createElement("label");
    name.append(on, " " + row.label + (row.total !== undefined ? " (" + Math.round(100 * Math.min(row.total, 1)) + " % of the spread)" : ""));
    const band = document.createElement("small");
    band.textContent = "band " + fmt(row.low, row) + "–" + fmt(row.high, row) + unit + ", nominal " + fmt(row.nominal, row) +
      unit + " · " + row.status + " · " + row.path;
    div.append(name, document.createElement("br"), range, " ", out, band);
    box.append(div);
  }
  $("decide").hidden = !box.children.length;
}
function rank(decides) {
  for (const row of Object.values(state.deciders)) row.ranked = false;
  for (const row of decides.inputs) {
    if (FORM_PATHS.has(row.path) || row.low === null || row.high === null) continue;  // sliders: numbers in a band
    state.deciders[row.path] = { ...row, ranked: true };
  }
  sliders();
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
      if (st.state === "done") { $("status").textContent = "loading the result and its figures"; break; }
      $("status").textContent = st.state + (st.progress.total ? " " + st.progress.done + "/" + st.progress.total : "");
      if (st.state !== "queued" && st.state !== "running") throw new Error(st.error || st.state);
      await new Promise((r) => setTimeout(r, 300));
    }
    const base = "/api/runs/" + started.id;
    const [res, decides, figs] = await Promise.all([api(base + "/result"), api(base + "/decides"), api(base + "/figures")]);
    res.threat_label = state.sc.threat.launch + " → " + state.sc.threat.target;
    res.decides = decides;
    res.figures = await Promise.all(figs.filter((f) => PAGE_FIGURES.includes(f.id))
      .map(async (f) => ({ id: f.id, svg: await api(f.url) })));
    rank(decides);
    state.result = res;
    show($("current"), res, "this run");
    $("status").textContent = "done";
    $("results").scrollIntoView({ block: "start" });
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
  fill(); read(); sliders();
  await draw();
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
  for (const m of await api("/api/catalog/missiles")) state.missiles[m.id] = m;
  const opts = (ids, label) => ids.map((id) => { const o = document.createElement("option"); o.value = id; o.textContent = label(id); return o; });
  const placeIds = Object.keys(state.places).sort();
  $("launch").append(...opts(placeIds, (id) => state.places[id].name));
  $("target").append(...opts(placeIds, (id) => state.places[id].name));
  $("newtype").append(...opts(Object.keys(state.types).sort(), (id) => state.types[id].name));
  $("missile").append(...opts(Object.keys(state.missiles).sort(), (id) => state.missiles[id].name));
  const scenarios = await api("/api/scenarios");
  $("scenario").append(...opts(scenarios.map((s) => s.name), (id) => scenarios.find((s) => s.name === id).title));
  $("scenario").value = "kyiv-duel";
  await loadScenario("kyiv-duel");

  // only the places move the map; the other fields change the scenario, not the layout (a click that blurs a
  // field must land where it was aimed)
  for (const id of ["launch", "target"]) $(id).addEventListener("change", () => { read(); draw(); });
  for (const id of ["missile", "trajectory", "lead", "content", "recipient", "fire_control", "shots", "mode", "seed"])
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
  $("addat").onclick = async () => {  // a battery at a typed position
    const at = $("newat").value.trim();
    if (!at) { $("status").textContent = "error: type a position, e.g. +15km@90"; return; }
    state.sc.batteries = state.sc.batteries || [];
    if (await tryChange(() => state.sc.batteries.push({ type: $("newtype").value, at }),
                        () => state.sc.batteries.pop())) {
      $("newat").value = ""; $("status").textContent = "battery added at " + at;
    }
  };
  $("run").onclick = run;
  $("pin").onclick = () => { state.pinned = state.result; show($("pinned"), state.pinned, "pinned"); };
  $("versus").onclick = () => {  // Kapustin Yar vs Krichev: the same duel from the other site, side by side
    $("pin").onclick();
    $("launch").value = state.sc.threat.launch === "krichev" ? "kapustin-yar" : "krichev";
    read(); draw(); run();
  };
  $("load").addEventListener("change", async (e) => {
    const text = await e.target.files[0].text();
    try { state.sc = await api("/api/parse", { toml: text }); fill(); read(); sliders(); await draw(); $("status").textContent = "loaded"; }
    catch (err) { $("status").textContent = "error: " + err.message; }
  });
  document.body.dataset.ready = "true";
}

main().catch((e) => { $("status").textContent = "error: " + e.message; });
