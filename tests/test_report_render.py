"""The report's figures, offline map and self-contained HTML (duel.report.plots / worldmap / html)."""

from __future__ import annotations

import base64
import json
import re
import socket
import subprocess
import sys
from html.parser import HTMLParser

import numpy as np
import pytest
from pyproj import Geod

from duel.report import html as rhtml
from duel.report import plots, worldmap

from report_sample import sample_context, sample_trajectory

SECTION_IDS = ["verdict", "claims", "timeline", "trajectory", "map", "leakers", "sensitivity", "numbers", "method"]


@pytest.fixture(scope="module")
def sample():
    return sample_context()


@pytest.fixture(scope="module")
def page(sample):
    return rhtml.render_report(sample)


# --- the vendored atlas ------------------------------------------------------------------------------

def test_decoding_the_atlas_gives_every_arc_inside_the_globe():
    topo = worldmap.load_topology()
    at = worldmap.atlas()
    assert len(topo["arcs"]) == 1959 == len(at.arcs)
    assert [len(a) for a in at.arcs] == [len(a) for a in topo["arcs"]]
    pts = np.concatenate(at.arcs)
    assert pts.shape == (80617, 2)
    assert pts[:, 0].min() >= -180 and pts[:, 0].max() <= 180
    assert pts[:, 1].min() >= -90 and pts[:, 1].max() <= 90
    # the quantized grid spans the globe: the extremes reach the antimeridian
    assert pts[:, 0].min() == pytest.approx(-180, abs=0.01) and pts[:, 0].max() == pytest.approx(180, abs=0.01)
    assert len(at.countries) == 241


def test_arc_decoding_is_delta_then_affine():
    topo = {"transform": {"scale": [0.5, 2.0], "translate": [-10.0, 5.0]}, "arcs": [[[2, 4], [1, -1], [3, 0]]]}
    (arc,) = worldmap.decode_arcs(topo)
    np.testing.assert_allclose(arc, [[-9.0, 13.0], [-8.5, 11.0], [-7.0, 11.0]])


def test_rings_are_assembled_so_cities_fall_in_their_countries():
    from matplotlib.path import Path

    at = worldmap.atlas()

    def country_of(lon, lat):
        return {name for name, _, rings in at.countries for r in rings if Path(r).contains_point((lon, lat))}

    assert country_of(30.52, 50.45) == {"Ukraine"}  # Kyiv
    assert country_of(27.56, 53.90) == {"Belarus"}  # Minsk
    assert country_of(21.01, 52.23) == {"Poland"}  # Warsaw
    assert country_of(31.0, 43.0) == set()  # Black Sea


def test_map_pieces_are_cut_to_the_extent():
    lon_r, lat_r = (28.0, 48.0), (45.0, 53.0)
    p = worldmap.map_pieces(lon_r, lat_r, pad_deg=0.5)
    everything = sum(len(a) for a in worldmap.atlas().arcs)
    kept = sum(len(a) for a in p["coasts"] + p["borders"])
    assert 0 < kept < everything / 20
    for _, poly in p["land"]:
        assert poly[:, 0].min() >= lon_r[0] - 0.5 - 1e-9 and poly[:, 0].max() <= lon_r[1] + 0.5 + 1e-9
        assert poly[:, 1].min() >= lat_r[0] - 0.5 - 1e-9 and poly[:, 1].max() <= lat_r[1] + 0.5 + 1e-9
    assert {"Ukraine", "Russia", "Belarus"} <= {name for name, _ in p["land"]}


def test_polygon_clip_keeps_the_area_inside_the_box():
    square = np.array([[0.0, 0.0], [4.0, 0.0], [4.0, 4.0], [0.0, 4.0]])
    c = worldmap._clip_polygon(square, (1.0, -1.0, 3.0, 2.0))
    area, _ = worldmap._polygon_area_centroid(c)
    assert area == pytest.approx(2.0 * 2.0)


@pytest.mark.parametrize("lat,lon,radius_km", [(50.45, 30.52, 40.0), (50.45, 30.52, 200.0), (-33.9, 151.2, 1000.0),
                                               (78.0, 15.0, 500.0)])
def test_range_ring_points_are_at_the_geodesic_radius(lat, lon, radius_km):
    rlat, rlon = worldmap.range_ring(lat, lon, radius_km)
    assert rlat.shape == rlon.shape == (181,)
    _, _, d = Geod(ellps="WGS84").inv(np.full(181, lon), np.full(181, lat), rlon, rlat)
    np.testing.assert_allclose(d, radius_km * 1e3, rtol=0, atol=1e-3)
    assert rlat[0] == pytest.approx(rlat[-1]) and rlon[0] == pytest.approx(rlon[-1])  # closed


# --- figures ---------------------------------------------------------------------------------------

def _gids(ax, prefix):
    return sorted(a.get_gid() for a in ax.get_children() if (a.get_gid() or "").startswith(prefix))


def test_timeline_has_one_bar_per_window_and_one_marker_per_event():
    events = [{"name": "launch", "time_s": 0}, {"name": "burnout", "time_s": 170}, {"name": "detection", "time_s": 45},
              {"name": "notice", "time_s": 205}]
    windows = [{"label": "THAAD", "t_first_s": 620, "t_last_s": 650},
               {"label": "PAC-3 MSE", "t_first_s": 675, "t_last_s": 685},
               {"label": "SAMP/T", "t_first_s": None, "t_last_s": None}]
    fig = plots.timeline_chart(events, windows, notice_s=205, impact_s=690)
    ax = fig.axes[0]
    assert _gids(ax, "window-") == ["window-0", "window-1"]
    assert len(_gids(ax, "event-")) == len(events) + 1  # + impact
    assert [t.get_text() for t in ax.get_yticklabels()] == ["events", "THAAD", "PAC-3 MSE", "SAMP/T"]
    assert any("no engagement window" in t.get_text() for t in ax.texts)
    assert any("8 min 05 s" in t.get_text() for t in ax.texts)  # warning time after notice
    assert ax.get_xlabel() == "minutes after launch"
    assert len(fig.axes) == 2 and _gids(fig.axes[1], "zoom-window-") == ["zoom-window-0", "zoom-window-1"]
    # the window bar spans its interval in minutes
    bar = next(a for a in ax.patches if a.get_gid() == "window-0")
    assert bar.get_x() == pytest.approx(620 / 60) and bar.get_width() == pytest.approx(30 / 60)


def test_timeline_adds_the_notice_marker_when_events_lack_it():
    fig = plots.timeline_chart([{"name": "launch", "time_s": 0}], [], notice_s=-1800, impact_s=690)
    assert _gids(fig.axes[0], "event-") == ["event-impact", "event-launch", "event-notice"]
    assert fig.axes[0].get_xlim()[0] < -30  # the axis starts before the notice (minutes)


def test_timeline_without_notice_or_zoom():
    fig = plots.timeline_chart([{"name": "launch", "time_s": 0}], [{"label": "A", "t_first_s": 100,
                                                                   "t_last_s": 400}], None, 500)
    assert len(fig.axes) == 1
    assert not any("→ impact" in t.get_text() for t in fig.axes[0].texts)  # no notice: no warning span


def test_altitude_figure_has_one_band_per_interceptor():
    x = np.linspace(0, 1100, 200)
    y = 390 * (1 - ((x - 550) / 550) ** 2)
    bands = [{"label": "PAC-3 MSE", "min_km": 3, "max_km": 25}, {"label": "THAAD", "min_km": 40, "max_km": 150},
             {"label": "SM-3", "min_km": 70, "max_km": 500}]
    fig = plots.altitude_downrange(x, y, bands)
    ax = fig.axes[0]
    assert _gids(ax, "band-") == ["band-0", "band-1", "band-2"]
    band = next(p for p in ax.patches if p.get_gid() == "band-1")
    assert band.get_y() == pytest.approx(40) and band.get_height() == pytest.approx(110)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert sum(lbl.startswith(("PAC-3", "THAAD", "SM-3")) for lbl in labels) == 3
    assert "km" in ax.get_xlabel() and "km" in ax.get_ylabel()
    # the axis follows the 390 km arc, not the 500 km band: the band is clipped and its label says how high it goes
    assert 390 < ax.get_ylim()[1] < 500
    assert any(t.get_text() == "SM-3\n↑ to 500 km" for t in ax.texts)


def test_speed_mach_has_two_axes_with_units():
    t = np.linspace(0, 690, 100)
    v = 3000 * np.sin(np.pi * t / 690) + 100
    m = np.where(t > 300, v / 300, np.nan)
    fig = plots.speed_mach(t, v, m)
    assert len(fig.axes) == 2
    assert _gids(fig.axes[0], "speed") == ["speed"] and _gids(fig.axes[1], "mach") == ["mach"]
    assert "m/s" in fig.axes[0].get_ylabel() and "Mach" in fig.axes[1].get_ylabel()
    assert any("86 km" in tx.get_text() for tx in fig.axes[0].texts)


def test_world_map_draws_borders_track_points_and_one_ring_per_battery():
    from matplotlib.collections import LineCollection

    tr = sample_trajectory()
    batteries = [{"label": "PAC-3 MSE", "lat": 50.40, "lon": 30.45, "range_km": 40},
                 {"label": "THAAD", "lat": 50.52, "lon": 30.80, "range_km": 200},
                 {"label": "SAMP/T", "lat": 49.0, "lon": 32.0, "range_km": 60}]
    fig = plots.world_map(tr["lat"], tr["lon"], tr["launch"], tr["target"], batteries)
    ax = fig.axes[0]
    assert _gids(ax, "ring-") == ["ring-0", "ring-1", "ring-2"]
    assert _gids(ax, "track") == ["track"]
    cols = [c for c in ax.collections if isinstance(c, LineCollection)]
    assert len(cols) == 2 and all(len(c.get_segments()) > 0 for c in cols)  # coasts and borders
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    assert x0 < np.min(tr["lon"]) and x1 > np.max(tr["lon"]) and y0 < np.min(tr["lat"]) and y1 > np.max(tr["lat"])
    texts = " ".join(t.get_text() for t in ax.texts)
    assert "Kyiv (target)" in texts and "Kapustin Yar (launch)" in texts
    ring = next(line for line in ax.lines if line.get_gid() == "ring-1")
    _, _, d = Geod(ellps="WGS84").inv(np.full(181, 30.80), np.full(181, 50.52), ring.get_xdata(), ring.get_ydata())
    np.testing.assert_allclose(d, 200e3, atol=1e-3)


@pytest.mark.parametrize("objects", [1, 6, 36])
def test_leaker_distribution_has_one_bar_per_k(objects):
    counts = np.arange(objects + 1, dtype=float) + 1.0  # Monte Carlo counts, not normalised
    fig = plots.leaker_distribution(list(counts), objects)
    bars = fig.axes[0].containers[0]
    assert len(bars) == objects + 1
    heights = np.array([b.get_height() for b in bars])
    np.testing.assert_allclose(heights, 100 * counts / counts.sum())
    assert [int(round(b.get_x() + b.get_width() / 2)) for b in bars] == list(range(objects + 1))


def test_crowded_leaker_distribution_labels_only_what_can_be_read():
    """36 objects: ticks every 5, value labels only on k = 0 and on bars of at least 5 % (no overlap)."""
    p = np.zeros(37)
    p[[0, 25, 32, 33]] = [0.001, 0.02, 0.6, 0.379]
    ax = plots.leaker_distribution(list(p), 36).axes[0]
    assert list(ax.get_xticks()) == list(range(0, 37, 5))
    labels = sorted(t.get_text() for t in ax.texts if t.get_text().endswith("%") or t.get_text() == "0")
    assert labels == ["0.1 %", "37.9 %", "60.0 %"]


def test_tornado_sorts_by_swing_and_has_two_bars_per_input():
    names = ["small", "large", "medium"]
    fig = plots.tornado(names, low=[2.3, 1.0, 2.0], high=[2.5, 4.0, 3.0], base=2.4, xlabel="expected leakers")
    ax = fig.axes[0]
    assert sum(len(c) for c in ax.containers) == 6
    assert [t.get_text() for t in ax.get_yticklabels()] == ["large", "medium", "small"]
    low = next(c for c in ax.containers if c.get_label() == "input at its low end")
    assert [b.get_x() + b.get_width() for b in low] == pytest.approx([1.0, 2.0, 2.3])
    assert ax.get_xlabel() == "expected leakers"


def test_sensitivity_bars_two_per_input_sorted_by_total():
    fig = plots.sensitivity_bars(["a", "b", "c", "d"], s1=[0.1, 0.5, -0.01, 0.2], st=[0.2, 0.6, 0.05, 0.3])
    ax = fig.axes[0]
    assert sum(len(c) for c in ax.containers) == 8
    assert [t.get_text() for t in ax.get_yticklabels()] == ["b", "d", "a", "c"]
    assert min(b.get_width() for c in ax.containers for b in c) >= 0  # negative S1 estimates drawn at 0


def test_svg_and_png_serialisation_are_inline_ready_and_deterministic():
    fig = plots.leaker_distribution([0.1, 0.5, 0.4], 2)
    s1, s2 = plots.figure_to_svg(fig, id_prefix="a-"), plots.figure_to_svg(fig, id_prefix="a-")
    assert s1 == s2
    assert s1.startswith("<svg") and s1.rstrip().endswith("</svg>")
    head = s1[: s1.index(">")]
    assert "viewBox" in head and ' width="100%"' in head and "pt" not in head and "<metadata" not in s1
    assert "style=" not in s1 and "<style" not in s1  # presentation attributes only: a strict CSP draws it
    ids = re.findall(r'\bid="([^"]+)"', s1)
    assert ids and all(i.startswith("a-") for i in ids)
    refs = re.findall(r'(?:href="|url\()#([^")]+)', s1)
    assert refs and set(refs) <= set(ids)  # every internal reference still resolves
    png = base64.b64decode(plots.figure_to_png_base64(fig))
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert plots.figure_to_png_base64(fig) == plots.figure_to_png_base64(fig)


def test_report_modules_do_not_import_matplotlib_at_import_time():
    code = ("import sys, duel.report.plots, duel.report.worldmap, duel.report.html; "
            "print('matplotlib' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


# --- the HTML report -------------------------------------------------------------------------------

class _Loads(HTMLParser):
    """Independent of duel's own checker: every attribute that points outside the file, by tag."""

    def __init__(self):
        super().__init__()
        self.external, self.scripts, self.links, self.ids, self.tags = [], 0, 0, [], []
        self.csp = None

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        for name, value in attrs:
            if name == "id":
                self.ids.append(value)
            v = (value or "").strip().lower()
            if name in ("src", "href", "xlink:href", "data", "srcset", "poster", "background", "action") and \
                    (v.startswith(("http:", "https:", "//", "ftp:", "file:")) or "://" in v):
                self.external.append((tag, name, value))
        a = dict(attrs)
        if tag == "meta" and (a.get("http-equiv") or "").lower() == "content-security-policy":
            self.csp = a.get("content")
        self.scripts += tag == "script"
        self.links += tag == "link"


def _parse(html):
    p = _Loads()
    p.feed(html)
    p.close()
    return p


def test_report_has_every_section_in_order_and_every_figure(sample, page):
    p = _parse(page)
    section_ids = [i for i in p.ids if i in SECTION_IDS]
    assert section_ids == SECTION_IDS
    figs = [f for s in ("timeline", "trajectory", "map", "leakers", "sensitivity") for f in sample[s]["figures"]]
    assert len(figs) == 7
    for f in figs:
        assert f'<figure id="{f["id"]}">' in page
        assert f["alt"].replace("'", "&#39;").split(":")[0] in page  # alt text is on the page
    assert page.count("<svg") == 7
    assert sample["verdict"]["headline"] in page
    assert "95 % interval" in page
    assert 'class="verdict tone-bad"' in page


def test_report_loads_nothing_from_outside(page):
    p = _parse(page)
    assert p.scripts == 0 and p.links == 0
    assert all(tag == "a" for tag, _, _ in p.external), [e for e in p.external if e[0] != "a"]
    assert p.external, "the sample's source URLs are plain <a> links"
    assert not re.search(r"@import|url\(\s*['\"]?(https?:|//)", page, re.I)
    assert p.csp is not None and "default-src 'none'" in p.csp and "img-src data:" in p.csp
    assert "<iframe" not in page and "<img" not in page  # figures are inline SVG
    assert rhtml.external_resources(page) == []


def test_report_is_deterministic():
    a = rhtml.render_report(sample_context())
    b = rhtml.render_report(sample_context())
    assert a == b


def test_report_rendering_never_opens_a_socket(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    worldmap.atlas.cache_clear()
    html = rhtml.render_report(sample_context())
    assert "<svg" in html


def test_minimal_context_still_has_every_section():
    html = rhtml.render_report({"title": "Bare"})
    ids = [i for i in _parse(html).ids if i in SECTION_IDS]
    assert ids == SECTION_IDS
    assert html.count("Not computed in this run.") == 8  # every section but method
    assert "No guidance laws" in html  # the default scope line


def test_text_is_escaped_and_external_figures_are_refused(sample):
    ctx = dict(sample)
    ctx["claims"] = [{"claim": "<script>alert(1)</script>", "verdict": "x", "status": "uncertain", "flip": "y"}]
    html = rhtml.render_report(ctx)
    assert "<script>" not in html and "&lt;script&gt;" in html
    bad = dict(sample)
    bad["map"] = {"figures": [{"id": "fig-evil", "alt": "x",
                               "svg": '<svg viewBox="0 0 1 1"><image href="https://example.org/x.png"/></svg>'}]}
    with pytest.raises(ValueError, match="external"):
        rhtml.render_report(bad)


@pytest.mark.parametrize("change,match", [
    ({"title": ""}, "title"),
    ({"verdict": {"tone": "rosy"}}, "tone"),
    ({"claims": [{"claim": "c", "verdict": "v", "status": "maybe", "flip": "f"}]}, "status"),
    ({"map": {"figures": [{"id": "fig-map", "alt": "", "svg": "<svg></svg>"}]}}, "alt"),
    ({"map": {"figures": [{"id": "fig-timeline", "alt": "a", "svg": "<svg></svg>"}]}}, "twice"),
    ({"map": {"figures": [{"id": "1 bad", "alt": "a", "svg": "<svg></svg>"}]}}, "id"),
    ({"numbers": {"rows": [{"name": "x", "value": 1, "status": "guessed"}]}}, "status"),
])
def test_malformed_context_is_refused(sample, change, match):
    ctx = {**sample, **change}
    with pytest.raises(ValueError, match=match):
        rhtml.render_report(ctx)


def test_numbers_table_lists_statuses_and_sources(sample, page):
    for row in sample["numbers"]["rows"]:
        assert f'<span class="badge {row["status"]}">{row["status"]}</span>' in page
        for sid in row["sources"]:
            assert f'href="#src-{sid}"' in page and f'id="src-{sid}"' in page
    for s in sample["numbers"]["sources"]:
        if s["url"]:
            assert s["url"] in page


def test_formatters():
    assert rhtml.fmt_pct(0.0471) == "4.7 %" and rhtml.fmt_pct(0.42) == "42 %" and rhtml.fmt_pct(0.99959) == ">99.9 %"
    assert rhtml.fmt_pct(0.0004) == "<0.1 %" and rhtml.fmt_pct(1.0) == "100 %"
    assert rhtml.fmt_num(1118.37) == "1,118" and rhtml.fmt_num(2.4) == "2.40" and rhtml.fmt_num(6) == "6"
    assert rhtml.fmt_value(0.7) == "0.7" and rhtml.fmt_value(25.0) == "25" and rhtml.fmt_value(1118.37) == "1,118"
    assert rhtml.fmt_value(0.0123456) == "0.01235" and rhtml.fmt_value("48° N") == "48° N"
    assert rhtml.fmt_time(690) == "T+11:30" and rhtml.fmt_time(-90) == "T−1:30"
    assert rhtml.fmt_duration(485) == "8 min 05 s" and rhtml.fmt_duration(27.4) == "27 s"


def test_sample_context_is_plausible(sample):
    tr = sample_trajectory()
    assert 8 * 60 <= tr["flight_time_s"] <= 16 * 60
    assert 200 <= tr["apogee_km"] <= 600
    assert tr["range_km"] == pytest.approx(1118, abs=15)
    labels = [w["label"] for w in sample["timeline"]["windows"]]
    assert any("PAC-3 MSE" in lbl for lbl in labels) and any("THAAD" in lbl for lbl in labels)
    json.dumps({k: v for k, v in sample.items() if k not in ("timeline", "trajectory", "map", "leakers",
                                                               "sensitivity")})


def test_hover_texts_become_svg_titles_with_values_and_units():
    svg = plots.figure_to_svg(plots.leaker_distribution([0.1, 0.5, 0.4], 2), id_prefix="l-")
    titles = re.findall(r'<g id="l-leakers-(\d)" class="tip"><title>([^<]*)</title>', svg)
    assert titles == [("0", "0 of 2 objects get through: 10.0 % of the draws"),
                      ("1", "1 of 2 objects get through: 50.0 % of the draws"),
                      ("2", "2 of 2 objects get through: 40.0 % of the draws")]
    fig = plots.tornado(["x < y & z", "b"], low=[0.2, 0.4], high=[0.9, 0.5], base=0.5, xlabel="P(all stopped)")
    svg = plots.figure_to_svg(fig, id_prefix="t-")
    assert "<title>x &lt; y &amp; z at its high end: P(all stopped) 0.9 (every input nominal: 0.5)</title>" in svg
    windows = [{"label": "THAAD\nat Kyiv", "t_first_s": 470.0, "t_last_s": 534.0}, {"label": "PAC-3", "t_first_s": None,
                                                                                     "t_last_s": None}]
    svg = plots.figure_to_svg(plots.timeline_chart([{"name": "launch", "time_s": 0.0}], windows, -1800.0, 556.0), "w-")
    assert "<title>THAAD at Kyiv: can intercept from T+7:50 to T+8:54 (1 min 04 s; ends 22 s before impact)" in svg
    assert "<title>notice sent: T−30:00 (1,800 s before launch; 2,356 s before impact)</title>" in svg
    assert svg.count('id="w-window-') == 1  # no window, no bar and no hover text
    t = np.linspace(0.0, 600.0, 601)
    fig = plots.altitude_downrange(t * 2.0, 300.0 * np.sin(np.pi * t / 600.0), [], time_s=t)
    svg = plots.figure_to_svg(fig, "a-")
    hovers = re.findall(r"<title>(T\+[^<]*)</title>", svg)
    assert 30 <= len(hovers) <= 40 and hovers[0] == "T+0:00: altitude 0 km, 0 km from the launch site"
    assert hovers[-1] == "T+10:00: altitude 0 km, 1,200 km from the launch site"
