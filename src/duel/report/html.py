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
    ``p_all_stopped``, ``p_any_stopped``: ``{"value": float, "median": float | None, "range90": [lo, hi] |
    None, "mc_ci95": [lo, hi] | None}`` — P(no leaker), P(at least one object intercepted), fractions: the
    mean over the assumption draws, their median, the 5-95 % range across the draws and the Monte Carlo
    precision of the mean;
    ``expected_leakers``: the same for the number of leakers;
    ``extra``: list of ``{"label": str, "value": float | str, "unit": str}`` — more key numbers (flight
    time, warning time...);
    ``deciding``: str — the inputs that decide the answer, in words (optional);
    ``claims``: [str] — each claim with the share of the assumption draws in which it holds (optional).
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
from typing import Any

from duel.report.times import fmt_duration, fmt_time

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


# --- figures -------------------------------------------------------------------------------------------

def figure_entry(fig: Any, id: str, alt: str, caption: str | None = None, fmt: str = "svg") -> dict[str, Any]:
    """A report Figure dict from a matplotlib figure (or its SVG, already rendered by
    :func:`duel.report.plots.figure_to_svg` with the prefix ``{id}-``): inlined as SVG (default) or as a base64
    PNG."""
    from duel.report.plots import figure_to_png_base64, figure_to_svg

    if not _ID_OK.match(id):
        raise ValueError(f"figure id {id!r} must match [A-Za-z][A-Za-z0-9_-]*")
    entry: dict[str, Any] = {"id": id, "alt": alt, "caption": caption or ""}
    if fmt == "svg":
        entry["svg"] = fig if isinstance(fig, str) else figure_to_svg(fig, id_prefix=f"{id}-")
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

def _spread(x: Any) -> dict[str, Any] | None:
    if x is None:
        return None
    if isinstance(x, (int, float)):
        return {"value": float(x), "median": None, "range90": None, "mc_ci95": None}
    pair = lambda k: list(x[k]) if x.get(k) is not None else None  # noqa: E731
    return {"value": x.get("value"), "median": x.get("median"), "range90": pair("range90"), "mc_ci95": pair("mc_ci95")}


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
            "p_all_stopped": _spread(v.get("p_all_stopped")), "p_any_stopped": _spread(v.get("p_any_stopped")),
            "expected_leakers": _spread(v.get("expected_leakers")), "extra": list(v.get("extra") or []),
            "deciding": str(v.get("deciding") or ""), "claims": [str(x) for x in v.get("claims") or []],
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


def render_sweep_page(context: dict[str, Any]) -> str:
    """The page of a sweep (``DIR/sweep.html``): one self-contained HTML document. ``context``: ``summary``
    (``summary.json``), ``figures`` [(caption, inline svg)], ``columns``, ``table`` (rows of cell texts),
    ``rows`` (the total), ``shown``, ``out``. Raises ``ValueError`` if it would load anything from outside."""
    from markupsafe import Markup

    s = context["summary"]
    html = _environment().get_template("sweep.html.j2").render(
        **{**context, "figures": [(cap, Markup(svg)) for cap, svg in context["figures"]]},
        title=s.get("title") or s["name"], csp=CSP)
    bad = external_resources(html)
    if bad:
        raise ValueError(f"the sweep page would load external resources: {bad[:5]}")
    return html


def write_report(context: dict[str, Any], path: Any) -> Any:
    """Render and write the report as UTF-8; returns the path."""
    from pathlib import Path

    p = Path(path)
    p.write_text(render_report(context), encoding="utf-8")
    return p
