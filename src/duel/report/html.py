"""The self-contained HTML report: one file, opens offline, figures inlined (presentation only).

``render_report(context) -> str`` fills ``templates/report.html.j2`` (jinja2, autoescaped) from a plain
``context`` dict. The page has no script, loads no font, image, style sheet or frame from anywhere: CSS is
inline, figures are inline ``<svg>`` (or ``data:`` PNG), and a Content-Security-Policy ``<meta>`` tells the
browser to refuse any other load (``default-src 'none'; style-src 'unsafe-inline'; img-src data:``).
Source URLs appear as ``<a href>`` links whose visible text is the URL itself: a link is followed only when
the reader clicks it, and the text survives printing. ``render_report`` checks its own output with
:func:`external_resources` and raises if anything would load from outside.

The output is a pure function of the context: no clock, no random ids. Two renders of equal contexts
are identical strings. Put a run date in ``meta`` yourself if you want one.

Context schema
--------------
All keys are optional except ``title``; a missing section still renders its heading and anchor with
"Not computed in this run". Times are seconds from launch, probabilities are fractions in [0, 1] (shown
as percentages), distances in km where the key says so. Plain strings are escaped; nothing is raw HTML.

``title``: str — page title and heading.
``subtitle``: str — one line under the heading (the scenario in words).
``banner``: str — a warning strip at the top (e.g. "sample data").
``meta``: list of ``{"label": str, "value": str}`` — run facts under the heading (scenario file, seed,
    Monte Carlo samples, duel version, run date...).
``verdict``: dict
    ``headline``: str — one-sentence answer;
    ``answer``: str — the plain-language paragraph;
    ``tone``: "good" (defence stops the raid), "bad" (warheads get through), "mixed" or "neutral" — the
    box's colour;
    ``objects``: int — attacking objects (warheads) in the raid;
    ``p_all_stopped``, ``p_any_stopped``: ``{"value": float, "ci95": [lo, hi] | None}`` — P(no leaker),
    P(at least one object intercepted), fractions;
    ``expected_leakers``: ``{"value": float, "ci95": [lo, hi] | None}`` — mean number of leakers;
    ``extra``: list of ``{"label": str, "value": float | str, "unit": str}`` — more key numbers (flight
    time, warning time...).
``claims``: list of ``{"claim": str, "verdict": str, "status": "supported" | "contradicted" | "uncertain",
    "flip": str}`` — the claim check table (``flip`` = what would change the verdict).
``timeline``: dict — ``intro``: str; ``figures``: [Figure]; ``events``: ``[{"name": str, "time_s": float}]``;
    ``windows``: ``[{"label": str, "t_first_s": float | None, "t_last_s": float | None, "note": str}]``.
``trajectory``: dict — ``intro``; ``figures``; ``facts``: ``[{"label": str, "value": float | str, "unit": str}]``.
``map``: dict — ``intro``; ``figures``.
``leakers``: dict — ``intro``; ``figures``; ``distribution``: [float] — P(k leakers), k = 0..objects.
``sensitivity``: dict — ``intro``; ``figures``; ``rows``: ``[{"name": str, "low": float, "high": float}]``
    (optional table of the tornado's numbers; ``output``: str names the output).
``numbers``: dict
    ``rows``: ``[{"name": str, "value": float | int | str, "low": float | None, "high": float | None,
    "unit": str, "status": "reported" | "estimated" | "notional" | "user-set", "sources": [source id],
    "note": str}]`` — every number the run used;
    ``sources``: ``[{"id": str, "title": str, "author": str, "year": int | str, "url": str | None,
    "citation": str | None}]``.
``method``: dict — ``notes``: [str]; ``scope``: str (a default scope line is used if missing).

A Figure is ``{"id": str, "alt": str, "caption": str, "svg": str}`` or the same with ``"png_base64": str``
instead of ``svg``; make one with :func:`figure_entry` from a matplotlib figure. Figure ids must be unique
(they become HTML ids) and match ``[A-Za-z][A-Za-z0-9_-]*``.
"""

from __future__ import annotations

import math
import re
from html.parser import HTMLParser
from typing import Any, Sequence

SECTIONS = ("verdict", "claims", "timeline", "trajectory", "map", "leakers", "sensitivity", "numbers", "method")
SECTION_TITLES = {
    "verdict": "The answer",
    "claims": "Claims checked",
    "timeline": "Timeline: from launch to impact",
    "trajectory": "The flight",
    "map": "Map",
    "leakers": "How many get through",
    "sensitivity": "What the answer depends on",
    "numbers": "Every number used, and where it comes from",
    "method": "Method and scope",
}
FIGURE_SECTIONS = ("timeline", "trajectory", "map", "leakers", "sensitivity")
DEFAULT_SCOPE = ("Textbook physics and public parameters only. No guidance laws, no evasion or penetration "
                 "tactics, no damage or casualty models. Interceptors are kinematic envelopes with a single-shot "
                 "kill probability, not homing simulations.")
TONES = ("good", "bad", "mixed", "neutral")
CLAIM_STATUSES = ("supported", "contradicted", "uncertain")
NUMBER_STATUSES = ("reported", "estimated", "notional", "user-set")
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"
_ID_OK = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")


# --- formatting (jinja filters) -----------------------------------------------------------------------

def fmt_num(x: Any, sig: int = 3) -> str:
    """A number for people: thousands separators, ``sig`` significant digits for non-integers; text as is."""
    if x is None:
        return "—"
    if isinstance(x, str):
        return x
    if isinstance(x, bool):
        return "yes" if x else "no"
    xf = float(x)
    if not math.isfinite(xf):
        return "—"
    if isinstance(x, int) or (xf.is_integer() and abs(xf) >= 100):
        return f"{int(round(xf)):,}"
    if xf == 0:
        return "0"
    digits = max(sig - 1 - int(math.floor(math.log10(abs(xf)))), 0)
    return f"{xf:,.{digits}f}"


def fmt_value(x: Any, sig: int = 4) -> str:
    """An input value as stated: up to ``sig`` significant digits, no trailing zeros (0.7, 25, 1,118.4)."""
    if x is None or isinstance(x, (str, bool)):
        return fmt_num(x)
    xf = float(x)
    if not math.isfinite(xf):
        return "—"
    if xf.is_integer():
        return f"{int(xf):,}"
    digits = max(sig - 1 - int(math.floor(math.log10(abs(xf)))), 0)
    out = f"{xf:,.{digits}f}"
    return out.rstrip("0").rstrip(".") if "." in out else out


def fmt_pct(p: Any) -> str:
    """A probability (fraction) as a percentage: '42 %', '2.5 %', '<0.1 %', '>99.9 %'."""
    if p is None:
        return "—"
    p = float(p)
    if not math.isfinite(p):
        return "—"
    if p == 0:
        return "0 %"
    if p == 1:
        return "100 %"
    if p < 0.001:
        return "<0.1 %"
    if p > 0.999:
        return ">99.9 %"
    v = 100 * p
    return f"{v:.0f} %" if 10 <= v <= 90 else f"{v:.1f} %"


def fmt_time(t_s: Any) -> str:
    """Seconds from launch as 'T+m:ss'."""
    if t_s is None:
        return "—"
    t = float(t_s)
    sign = "−" if t < 0 else "+"
    a = int(round(abs(t)))
    return f"T{sign}{a // 60}:{a % 60:02d}"


def fmt_duration(t_s: Any) -> str:
    """A duration in seconds as 'm min ss s' (or 's s')."""
    if t_s is None:
        return "—"
    a = int(round(abs(float(t_s))))
    return f"{a // 60} min {a % 60:02d} s" if a >= 60 else f"{a} s"


# --- figures -------------------------------------------------------------------------------------------

def figure_entry(fig: Any, id: str, alt: str, caption: str | None = None, fmt: str = "svg") -> dict[str, Any]:
    """A report Figure dict from a matplotlib figure: inlined as SVG (default) or as a base64 PNG."""
    from duel.report.plots import figure_to_png_base64, figure_to_svg

    if not _ID_OK.match(id):
        raise ValueError(f"figure id {id!r} must match [A-Za-z][A-Za-z0-9_-]*")
    entry: dict[str, Any] = {"id": id, "alt": alt, "caption": caption or ""}
    if fmt == "svg":
        entry["svg"] = figure_to_svg(fig, id_prefix=f"{id}-")
    elif fmt == "png":
        entry["png_base64"] = figure_to_png_base64(fig)
    else:
        raise ValueError(f"fmt must be 'svg' or 'png', not {fmt!r}")
    return entry


def _add_aria(svg: str, fig_id: str) -> str:
    """Point the inline SVG at its alt text (aria-labelledby the figure's hidden description)."""
    return svg.replace("<svg", f'<svg aria-labelledby="{fig_id}-alt"', 1)


# --- offline check ---------------------------------------------------------------------------------------

_LOADING = {  # tag -> attributes whose URL the browser fetches on open
    "img": ("src", "srcset"), "script": ("src",), "iframe": ("src",), "frame": ("src",), "embed": ("src",),
    "object": ("data",), "source": ("src", "srcset"), "track": ("src",), "audio": ("src",),
    "video": ("src", "poster"), "link": ("href",), "image": ("href", "xlink:href"), "use": ("href", "xlink:href"),
    "feimage": ("href", "xlink:href"), "input": ("src",), "body": ("background",),
}


def _is_external(url: str) -> bool:
    u = url.strip().lower()
    return not (u.startswith("#") or u.startswith("data:") or u == "")


class _LoadFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        t = tag.lower()
        for name, value in attrs:
            n = name.lower()
            v = value or ""
            if t == "link" and n == "href":
                self.found.append(f"<link href={v!r}>")  # any <link href> loads (style sheet, icon, preload)
            elif n in _LOADING.get(t, ()) and _is_external(v):
                self.found.append(f"<{t} {n}={v!r}>")
            elif n == "style" and re.search(r"url\(\s*['\"]?(?!#|data:)", v, re.I):
                self.found.append(f"<{t} style={v!r}>")
        if t == "meta" and any(n.lower() == "http-equiv" and (v or "").lower() == "refresh" for n, v in attrs):
            self.found.append("<meta http-equiv=refresh>")

    def handle_data(self, data: str) -> None:
        # CSS inside <style>: @import and url() other than fragments/data URIs would load
        if self.lasttag == "style" and re.search(r"@import|url\(\s*['\"]?(?!#|data:)", data, re.I):
            self.found.append("<style> with @import or url()")


def external_resources(html: str) -> list[str]:
    """Every element of ``html`` that would make the browser load something from outside the file on open."""
    p = _LoadFinder()
    p.feed(html)
    p.close()
    return p.found


# --- context normalisation --------------------------------------------------------------------------

def _ci(x: Any) -> dict[str, Any] | None:
    if x is None:
        return None
    if isinstance(x, (int, float)):
        return {"value": float(x), "ci95": None}
    ci = x.get("ci95")
    return {"value": x.get("value"), "ci95": list(ci) if ci is not None else None}


def _figures(sec: dict[str, Any], name: str, seen: set[str]) -> list[dict[str, Any]]:
    figs = list(sec.get("figures") or [])
    if sec.get("figure"):
        figs.insert(0, sec["figure"])
    out = []
    for f in figs:
        fid = str(f.get("id", ""))
        if not _ID_OK.match(fid):
            raise ValueError(f"{name}: figure id {fid!r} must match [A-Za-z][A-Za-z0-9_-]*")
        if fid in seen or fid in SECTIONS:
            raise ValueError(f"{name}: figure id {fid!r} is used twice (or is a section id)")
        seen.add(fid)
        if not f.get("alt"):
            raise ValueError(f"{name}: figure {fid!r} needs an 'alt' text")
        if f.get("svg"):
            body = {"svg": _add_aria(str(f["svg"]), fid), "png": None}
        elif f.get("png_base64"):
            body = {"svg": None, "png": "data:image/png;base64," + str(f["png_base64"])}
        else:
            raise ValueError(f"{name}: figure {fid!r} has neither 'svg' nor 'png_base64'")
        out.append({"id": fid, "alt": str(f["alt"]), "caption": str(f.get("caption") or ""), **body})
    return out


def _normalise(context: dict[str, Any]) -> dict[str, Any]:
    if not context.get("title"):
        raise ValueError("context needs a 'title'")
    c: dict[str, Any] = {
        "title": str(context["title"]),
        "subtitle": context.get("subtitle") or "",
        "banner": context.get("banner") or "",
        "meta": list(context.get("meta") or []),
        "sections": SECTIONS,
        "titles": SECTION_TITLES,
        "csp": CSP,
    }
    v = context.get("verdict")
    if v:
        tone = v.get("tone", "neutral")
        if tone not in TONES:
            raise ValueError(f"verdict tone {tone!r} is not one of {TONES}")
        c["verdict"] = {
            "headline": v.get("headline", ""), "answer": v.get("answer", ""), "tone": tone,
            "objects": v.get("objects"),
            "p_all_stopped": _ci(v.get("p_all_stopped")), "p_any_stopped": _ci(v.get("p_any_stopped")),
            "expected_leakers": _ci(v.get("expected_leakers")), "extra": list(v.get("extra") or []),
        }
    else:
        c["verdict"] = None
    claims = context.get("claims")
    if claims:
        for cl in claims:
            if cl.get("status", "uncertain") not in CLAIM_STATUSES:
                raise ValueError(f"claim status {cl.get('status')!r} is not one of {CLAIM_STATUSES}")
    c["claims"] = list(claims or [])
    seen: set[str] = set()
    for name in FIGURE_SECTIONS:
        sec = context.get(name)
        if sec:
            d = dict(sec)
            d["figures"] = _figures(sec, name, seen)
            d.setdefault("intro", "")
            c[name] = d
        else:
            c[name] = None
    if c["timeline"]:
        c["timeline"].setdefault("events", [])
        c["timeline"].setdefault("windows", [])
    if c["trajectory"]:
        c["trajectory"].setdefault("facts", [])
    if c["leakers"]:
        c["leakers"].setdefault("distribution", [])
    if c["sensitivity"]:
        c["sensitivity"].setdefault("rows", [])
        c["sensitivity"].setdefault("output", "output")
    num = context.get("numbers")
    if num:
        rows = []
        for r in num.get("rows", []):
            st = r.get("status", "")
            if st not in NUMBER_STATUSES:
                raise ValueError(f"number {r.get('name')!r}: status {st!r} is not one of {NUMBER_STATUSES}")
            rows.append({"name": r.get("name", ""), "value": r.get("value"), "low": r.get("low"),
                         "high": r.get("high"), "unit": r.get("unit", ""), "status": st,
                         "sources": list(r.get("sources") or []), "note": r.get("note", "")})
        c["numbers"] = {"rows": rows, "sources": list(num.get("sources") or [])}
    else:
        c["numbers"] = None
    m = context.get("method") or {}
    c["method"] = {"notes": list(m.get("notes") or []), "scope": m.get("scope") or DEFAULT_SCOPE}
    return c


# --- rendering -------------------------------------------------------------------------------------

def _environment() -> Any:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("duel.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(num=fmt_num, value=fmt_value, pct=fmt_pct, tplus=fmt_time, duration=fmt_duration)
    return env


def render_report(context: dict[str, Any]) -> str:
    """Render the report: one self-contained HTML document (a str). See the module docstring for ``context``.

    Raises ``ValueError`` for a malformed context (missing title, bad figure id or alt, unknown status) and if
    the rendered page would load anything from outside the file.
    """
    from markupsafe import Markup

    c = _normalise(context)
    for name in FIGURE_SECTIONS:
        if c[name]:
            for f in c[name]["figures"]:
                if f["svg"] is not None:
                    f["svg"] = Markup(f["svg"])
    html = _environment().get_template("report.html.j2").render(**c)
    bad = external_resources(html)
    if bad:
        raise ValueError(f"the report would load external resources: {bad[:5]}")
    return html


def write_report(context: dict[str, Any], path: Any) -> Any:
    """Render and write the report as UTF-8; returns the path."""
    from pathlib import Path

    p = Path(path)
    p.write_text(render_report(context), encoding="utf-8")
    return p


# --- a sample context (synthetic numbers, for tests and for looking at) -----------------------------

def _catalogue_sources(ids: Sequence[str]) -> list[dict[str, Any]]:
    """Titles, authors, years and URLs of catalogue sources by id (reads the shipped TOML; no network)."""
    import tomllib
    from importlib import resources

    table: dict[str, Any] = {}
    cat = resources.files("duel").joinpath("catalog")
    for fname in ("sources.toml", "sources-defence.toml"):
        try:
            table.update(tomllib.loads(cat.joinpath(fname).read_text(encoding="utf-8")))
        except (FileNotFoundError, OSError, tomllib.TOMLDecodeError):
            pass
    out = []
    for i in ids:
        s = table.get(i, {})
        out.append({"id": i, "title": s.get("title", i), "author": s.get("author", "—"), "year": s.get("year", ""),
                    "url": s.get("url"), "citation": s.get("citation")})
    return out


def _speed_of_sound_approx(h_km: Any) -> Any:
    """US76 speed of sound (m/s) from a piecewise-linear temperature profile; NaN above 86 km (sample only)."""
    import numpy as np

    h = np.asarray(h_km, dtype=float)
    zt = [0, 11, 20, 32, 47, 51, 71, 86]
    tt = [288.15, 216.65, 216.65, 228.65, 270.65, 270.65, 214.65, 186.87]
    a = np.sqrt(1.4 * 287.053 * np.interp(h, zt, tt))
    return np.where(h <= 86.0, a, np.nan)


def sample_trajectory() -> dict[str, Any]:
    """A synthetic Kapustin Yar → Kyiv flight (NOT a duel result: smooth formulas shaped like a lofted
    IRBM-class arc, flight ~11.5 min, apogee ~390 km) for tests and for looking at the report.

    Returns arrays: time_s, downrange_km, altitude_km, speed_mps, mach, lat, lon, and scalars.
    """
    import numpy as np
    from pyproj import Geod

    launch = ("Kapustin Yar", 48.586111, 45.72)
    target = ("Kyiv", 50.45, 30.52333)
    g = Geod(ellps="WGS84")
    az, _, dist_m = g.inv(launch[2], launch[1], target[2], target[1])
    D = dist_m / 1e3
    T, tb, hb, H = 690.0, 170.0, 150.0, 390.0  # flight time, burnout time, burnout altitude, apogee (sample)
    t = np.linspace(0.0, T, 691)
    xb = D * tb / (2 * T - tb)  # continuous horizontal speed at burnout
    x = np.where(t < tb, xb * (t / tb) ** 2, xb + (D - xb) * (t - tb) / (T - tb))
    tau = T - tb
    r = hb / (H - hb)
    ta = tau * (-1 + np.sqrt(1 + r)) / r  # time from burnout to apogee
    gk = 2 * (H - hb) / ta**2  # km/s^2, effective
    pw = gk * ta * tb / hb  # power that makes the vertical speed continuous at burnout
    h = np.where(t < tb, hb * (t / tb) ** pw, hb + gk * ta * (t - tb) - 0.5 * gk * (t - tb) ** 2)
    h = np.maximum(h, 0.0)
    vx = np.gradient(x, t)
    vz = np.gradient(h, t)
    v = np.hypot(vx, vz) * 1e3
    desc = t > tb + ta
    v = np.where(desc, v * (1 - 0.28 * np.exp(-h / 12.0)), v)  # crude drag loss in the lower atmosphere
    mach = v / _speed_of_sound_approx(h)
    lon, lat, _ = g.fwd(np.full(t.size, launch[2]), np.full(t.size, launch[1]), np.full(t.size, az), x * 1e3)
    i_ap = int(np.argmax(h))
    return {"time_s": t, "downrange_km": x, "altitude_km": h, "speed_mps": v, "mach": mach, "lat": lat,
            "lon": lon, "launch": launch, "target": target, "range_km": D, "flight_time_s": T,
            "burnout_s": tb, "apogee_s": float(t[i_ap]), "apogee_km": float(h[i_ap])}


def sample_context() -> dict[str, Any]:
    """A realistic-looking report context with SYNTHETIC numbers (Oreshnik-like raid on Kyiv, PAC-3 MSE and a
    notional THAAD battery). Deterministic. Used by the tests and to look at the layout; not a result."""
    import numpy as np

    from duel.report import plots

    tr = sample_trajectory()
    t, h = tr["time_s"], tr["altitude_km"]
    T = tr["flight_time_s"]

    def descending_crossing(level_km: float) -> float:
        i = int(np.argmax(h))
        return float(np.interp(-level_km, -h[i:], t[i:]))

    bands = [{"label": "PAC-3 MSE", "min_km": 3.0, "max_km": 25.0},
             {"label": "THAAD (notional here)", "min_km": 40.0, "max_km": 150.0}]
    windows = [
        {"label": "THAAD (notional here)", "t_first_s": descending_crossing(150.0) + 20.0,
         "t_last_s": descending_crossing(40.0), "note": "upper tier; needs the cue before the target descends"},
        {"label": "PAC-3 MSE, Kyiv", "t_first_s": descending_crossing(25.0), "t_last_s": descending_crossing(3.0),
         "note": "terminal defence of the city"},
    ]
    events = [{"name": "launch", "time_s": 0.0}, {"name": "detection", "time_s": 45.0},
              {"name": "burnout", "time_s": tr["burnout_s"]}, {"name": "track", "time_s": 150.0},
              {"name": "notice", "time_s": 205.0}, {"name": "apogee", "time_s": tr["apogee_s"]}]
    notice = 205.0
    objects = 6
    q = 0.40  # sample per-warhead leak probability
    from math import comb

    dist = [comb(objects, k) * q**k * (1 - q) ** (objects - k) for k in range(objects + 1)]
    p_all, p_any, e_leak = dist[0], 1 - q**objects, objects * q

    batteries = [{"label": "PAC-3 MSE", "lat": 50.40, "lon": 30.45, "range_km": 40.0},
                 {"label": "THAAD (notional)", "lat": 50.52, "lon": 30.80, "range_km": 200.0}]
    tnames = ["PAC-3 MSE kill probability per shot", "THAAD kill probability per shot", "notice delay",
              "battery reaction time", "THAAD lowest intercept altitude", "warheads in the raid"]
    tlow = [3.05, 2.75, 2.21, 2.30, 2.33, 1.62]
    thigh = [1.45, 1.92, 2.86, 2.55, 2.49, 2.70]

    figs = {
        "timeline": plots.timeline_chart(events, windows, notice, T),
        "altitude": plots.altitude_downrange(tr["downrange_km"], h, bands),
        "speed": plots.speed_mach(t, tr["speed_mps"], tr["mach"]),
        "map": plots.world_map(tr["lat"], tr["lon"], tr["launch"], tr["target"], batteries),
        "leakers": plots.leaker_distribution(dist, objects),
        "tornado": plots.tornado(tnames, tlow, thigh, e_leak, "expected number of leakers"),
        "sobol": plots.sensitivity_bars(tnames, [0.41, 0.17, 0.12, 0.02, 0.01, 0.15],
                                        [0.48, 0.22, 0.16, 0.04, 0.02, 0.19]),
    }
    fe = figure_entry
    v_burnout = float(np.interp(tr["burnout_s"], t, tr["speed_mps"]))
    mach_max = float(np.nanmax(tr["mach"]))
    ids = ["wiki-kapustin-yar", "wiki-kyiv", "hur-2024-11-22-reuters", "techwp-patriot-pac3mse-poland-2024",
           "osint-envelopes-ts", "trtworld-thaad-2017", "nextgov-sbirs-2011"]
    return {
        "title": "The Oreshnik duel: could a strike on Kyiv be stopped in time?",
        "subtitle": "Scenario: six warheads from Kapustin Yar against Kyiv, defended by PAC-3 MSE and a notional "
                    "THAAD battery.",
        "banner": "SAMPLE REPORT — the numbers on this page are synthetic, made to test the layout. "
                  "They are not a result of duel.",
        "meta": [{"label": "scenario", "value": "sample (built in duel.report.html.sample_context)"},
                 {"label": "Monte Carlo samples", "value": "100,000"}, {"label": "seed", "value": "20241121"},
                 {"label": "duel", "value": "0.1.0"}],
        "verdict": {
            "headline": "Most likely, some warheads get through.",
            "answer": (f"In this sample, the missile takes {fmt_duration(T)} from launch to impact and the "
                       f"defence is warned {fmt_duration(T - notice)} before impact. Each of the six warheads "
                       f"passes through two short engagement windows; in {fmt_pct(p_all)} of the simulated raids "
                       "every warhead is stopped, and on average "
                       f"{fmt_num(e_leak)} of six reach the city. Whether anything is stopped at all depends "
                       "mostly on the interceptors' kill probability per shot, which no public source gives."),
            "tone": "bad", "objects": objects,
            "p_all_stopped": {"value": p_all, "ci95": [p_all * 0.92, p_all * 1.08]},
            "p_any_stopped": {"value": p_any, "ci95": [p_any - 0.002, min(p_any + 0.002, 1.0)]},
            "expected_leakers": {"value": e_leak, "ci95": [e_leak - 0.03, e_leak + 0.03]},
            "extra": [{"label": "flight time", "value": fmt_duration(T), "unit": ""},
                      {"label": "warning after notice", "value": fmt_duration(T - notice), "unit": ""},
                      {"label": "apogee", "value": tr["apogee_km"], "unit": "km"}],
        },
        "claims": [
            {"claim": "“No air defence system in the world can intercept Oreshnik.”",
             "verdict": "Not supported in this model: at least one warhead is intercepted in most raids.",
             "status": "contradicted",
             "flip": "No THAAD-class battery and a PAC-3 MSE kill probability below about 0.2 per shot."},
             {"claim": "“Kyiv would have no time to react.”",
             "verdict": f"Partly: {fmt_duration(T - notice)} of warning in this sample, enough for batteries, "
                        "short for people.",
             "status": "uncertain",
             "flip": "A notice delay over about 6 minutes leaves no upper-tier window."},
            {"claim": "“The missile flies at Mach 10 or more.”",
             "verdict": "Consistent: the sample peaks near Mach 11 in the upper atmosphere.",
             "status": "supported", "flip": "A depressed or much shorter flight."},
        ],
        "timeline": {
            "intro": "What happens when, counted from launch. The yellow band is the time the defence has after "
                     "it is told a missile is coming; the coloured bars are when each battery could fire.",
            "figures": [fe(figs["timeline"], "fig-timeline",
                           "Timeline from launch to impact at T+11:30 with detection, burnout, notice, apogee, and "
                           "engagement windows for THAAD and PAC-3 MSE in the last minutes.",
                           "Engagement windows allow for each interceptor's fly-out time.")],
            "events": events + [{"name": "impact", "time_s": T}],
            "windows": windows,
        },
        "trajectory": {
            "intro": "The arc the warheads follow, and how fast they go. Shaded bands are the altitudes at "
                     "which each interceptor can hit a target.",
            "figures": [fe(figs["altitude"], "fig-altitude",
                           f"Altitude against downrange: the arc rises to about {fmt_num(tr['apogee_km'])} km and "
                           f"falls onto Kyiv {fmt_num(tr['range_km'])} km away; bands show PAC-3 MSE (3–25 km) "
                           "and THAAD (40–150 km).",
                           "Vertical scale exaggerated."),
                        fe(figs["speed"], "fig-speed",
                           f"Speed and Mach number against time: about {fmt_num(v_burnout / 1e3, 2)} km/s at "
                           f"burnout and up to Mach {fmt_num(mach_max, 2)} during reentry.")],
            "facts": [{"label": "ground range", "value": tr["range_km"], "unit": "km"},
                      {"label": "flight time", "value": T, "unit": "s"},
                      {"label": "apogee", "value": tr["apogee_km"], "unit": "km"},
                      {"label": "speed at impact", "value": float(tr["speed_mps"][-1]), "unit": "m/s"}],
        },
        "map": {
            "intro": "The ground track from the launch site to the target, and how far each battery reaches.",
            "figures": [fe(figs["map"], "fig-map",
                           "Map of Ukraine and southern Russia with the ground track from Kapustin Yar to Kyiv "
                           "and range rings of 40 km (PAC-3 MSE) and 200 km (THAAD) around Kyiv.")],
        },
        "leakers": {
            "intro": "Out of six warheads, how many are not intercepted.",
            "figures": [fe(figs["leakers"], "fig-leakers",
                           "Bar chart of the probability of 0 to 6 leakers; the most likely outcome is 2.")],
            "distribution": dist,
        },
        "sensitivity": {
            "intro": "Each input moved from its low to its high value with the others held at nominal, and the "
                     "share of the spread each input explains.",
            "figures": [fe(figs["tornado"], "fig-tornado",
                           "Tornado chart: the PAC-3 MSE kill probability moves the expected leakers most, "
                           "from 1.5 to 3.1."),
                        fe(figs["sobol"], "fig-sobol",
                           "Sensitivity indices: the PAC-3 MSE kill probability explains about 40 % of the "
                           "variance.")],
            "rows": [{"name": n, "low": lo, "high": hi} for n, lo, hi in zip(tnames, tlow, thigh)],
            "output": "expected leakers",
        },
        "numbers": {
            "rows": [
                {"name": "launch site (Kapustin Yar)", "value": "48.586° N, 45.720° E", "unit": "",
                 "status": "reported", "sources": ["wiki-kapustin-yar"]},
                {"name": "target (Kyiv city centre)", "value": "50.450° N, 30.523° E", "unit": "",
                 "status": "reported", "sources": ["wiki-kyiv"]},
                {"name": "warheads per missile", "value": 6, "unit": "", "status": "reported",
                 "sources": ["hur-2024-11-22-reuters"]},
                {"name": "PAC-3 MSE highest intercept altitude", "value": 25.0, "low": 20.0, "high": 30.0,
                 "unit": "km", "status": "estimated",
                 "sources": ["osint-envelopes-ts", "techwp-patriot-pac3mse-poland-2024"]},
                {"name": "PAC-3 MSE kill probability per shot", "value": 0.7, "low": 0.4, "high": 0.9, "unit": "",
                 "status": "notional", "sources": []},
                {"name": "THAAD highest intercept altitude", "value": 150.0, "low": 100.0, "high": 150.0,
                 "unit": "km", "status": "reported", "sources": ["trtworld-thaad-2017", "osint-envelopes-ts"]},
                {"name": "notice delay after launch", "value": notice, "unit": "s", "status": "user-set",
                 "sources": ["nextgov-sbirs-2011"]},
            ],
            "sources": _catalogue_sources(ids),
        },
        "method": {
            "notes": ["Trajectories: point-mass flight over a rotating WGS84 Earth with the US Standard "
                      "Atmosphere 1976, integrated with fixed-step RK4 (in this sample: synthetic curves).",
                      "Engagement windows: the times at which the target is inside a battery's altitude band and "
                      "ground reach, after the notice, the reaction time and the interceptor's fly-out.",
                      "Leakers: independent shots with a single-shot kill probability; Monte Carlo with 95 % "
                      "intervals (Wilson score for probabilities).",
                      "Map: Natural Earth 1:50m borders (public domain), vendored; range rings are geodesic "
                      "circles on WGS84 (pyproj)."],
        },
    }
