"""`duel run`: the verdict against the closed form, determinism, the result schema, the report, the claim check."""

from __future__ import annotations

import json
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest

from conftest import optional_module, small_scenario, unless_in_ci


def write(tmp_path: Path, name: str = "s.toml", shots: int = 2, p_track: float = 0.9, trials: int = 40,
          uncertain: str = '[uncertain]\n"interceptor.thaad.sspk" = { dist = "band" }\n'
                           '"assumption.rcs_m2" = { dist = "band" }', dispersion: str = "") -> Path:
    p = tmp_path / name
    p.write_text(small_scenario(shots, p_track, trials, uncertain, dispersion), encoding="utf-8")
    return p


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Path:
    """One run of the small scenario (uncertain SSPK and RCS), through the CLI."""
    import subprocess
    import sys

    d = tmp_path_factory.mktemp("run")
    f = write(d, dispersion="[dispersion]\nenabled = true\ntrials = 60")
    r = subprocess.run([sys.executable, "-m", "duel", "run", str(f), "--out", str(d / "out"), "--format", "json"],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == json.loads((d / "out" / "result.json").read_text())
    return d


def test_verdict_reduces_to_the_closed_form(duel, tmp_path) -> None:
    """No uncertainty, one object, limits that cannot bind: P(stopped) = P_t (1 - (1 - SSPK)^n), exactly."""
    from duel import catalog

    f = write(tmp_path, shots=2, p_track=0.9, uncertain="")
    r = duel("run", str(f), "--out", str(tmp_path / "o"), "--format", "json")
    assert r.code == 0, r.err
    res = r.json()
    sspk = catalog.entries("interceptors")["thaad"]["sspk"]["nominal"]
    (window,) = res["batteries"][0]["windows"]
    n = window["shots"]
    expected = 0.9 * (1 - (1 - sspk) ** n)
    assert res["nominal"]["method"] == "closed form"
    assert res["verdict"]["p_all_stopped"]["value"] == pytest.approx(expected, abs=1e-12)
    assert res["verdict"]["expected_leakers"]["value"] == pytest.approx(1 - expected, abs=1e-12)
    assert res["verdict"]["leaker_distribution"] == pytest.approx([expected, 1 - expected], abs=1e-12)


def test_result_validates_against_the_published_schema(duel, run_dir) -> None:
    import jsonschema

    r = duel("schema", "result")
    assert r.code == 0
    schema = json.loads(r.out)
    jsonschema.validate(json.loads((run_dir / "out" / "result.json").read_text()), schema)


def test_same_seed_same_files_and_another_seed_differs(duel, run_dir, tmp_path) -> None:
    f = run_dir / "s.toml"
    again = tmp_path / "again"
    assert duel("run", str(f), "--out", str(again)).code == 0
    for name in ("result.json", "report.html", "figures/timeline.svg", "figures/map.svg"):
        assert (again / name).read_bytes() == (run_dir / "out" / name).read_bytes(), name
    other = tmp_path / "other"
    assert duel("run", str(f), "--out", str(other), "--seed", "6").code == 0
    a = json.loads((run_dir / "out" / "result.json").read_text())
    b = json.loads((other / "result.json").read_text())
    assert a["verdict"]["p_all_stopped"] != b["verdict"]["p_all_stopped"]
    assert b["run"]["seed"] == 6


def test_uncertain_inputs_reach_the_result(run_dir) -> None:
    res = json.loads((run_dir / "out" / "result.json").read_text())
    assert res["run"]["trials"] == 40 and set(res["run"]["uncertain_inputs"]) == {"interceptor.thaad.sspk",
                                                                                  "assumption.rcs_m2"}
    torn = {r["input"]: r for r in res["sensitivity"]["tornado"]}
    # a higher SSPK stops more: the tornado sees it, and it swings more than the radar cross-section
    assert torn["interceptor.thaad.sspk"]["output_high"] > torn["interceptor.thaad.sspk"]["output_low"]
    assert res["sensitivity"]["indices"], "RBD-FAST indices are computed for 40 trials"
    assert res["sensitivity"]["indices"][0]["input"] == "interceptor.thaad.sspk"
    p = res["verdict"]["p_all_stopped"]
    lo, hi = p["mc_ci95"]
    assert 0.0 <= lo <= p["value"] <= hi <= 1.0
    assert 0.0 <= p["range90"][0] <= p["median"] <= p["range90"][1] <= 1.0
    assert res["convergence"]["trials"][-1] == 40
    statuses = {row["status"] for row in res["numbers"]}
    assert statuses <= {"reported", "estimated", "notional", "user-set"} and {"notional", "user-set"} <= statuses


def test_impact_dispersion_reaches_the_result(run_dir) -> None:
    d = json.loads((run_dir / "out" / "result.json").read_text())["dispersion"]
    assert d["trials"] == 60 and d["objects"] == 1 and d["status"] == "notional"
    lo, hi = d["cep_ci95_m"]
    assert 0 < lo <= d["cep_m"] <= hi
    assert len(d["sample_east_km"]) == 60


def test_claim_check_names_the_verdict(run_dir) -> None:
    res = json.loads((run_dir / "out" / "result.json").read_text())
    (claim,) = res["claims"]
    assert claim["test"] == "no-chance"
    # one warhead, a THAAD window and SSPK of the catalogue band: something is stopped in most draws
    assert claim["verdict"] == "fails"
    assert "P(at least one object stopped)" in claim["explanation"]


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.loads: list[str] = []

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        a = dict(attrs)
        if "id" in a:
            self.ids.add(a["id"] or "")
        for key in ("src", "href", "data", "poster"):
            v = (a.get(key) or "").strip().lower()
            if tag != "a" and v.startswith(("http:", "https:", "//", "ftp:")):
                self.loads.append(f"<{tag} {key}={v}>")


def test_report_has_every_section_and_loads_nothing(run_dir) -> None:
    html = (run_dir / "out" / "report.html").read_text()
    p = _Links()
    p.feed(html)
    assert {"verdict", "claims", "timeline", "trajectory", "map", "leakers", "sensitivity", "numbers", "method"} <= p.ids
    assert {"fig-timeline", "fig-altitude", "fig-speed", "fig-map", "fig-leakers", "fig-tornado", "fig-impacts",
            "fig-convergence"} <= p.ids
    assert p.loads == []
    assert "<script" not in html.lower() and "@import" not in html and "url(http" not in html


def test_basing_flags_impossible_claims(duel, tmp_path) -> None:
    r = duel("basing", "--sites", "krichev", "--targets", "kyiv", "--claim", "kyiv=111s", "--claim", "kyiv=9min",
             "--out", str(tmp_path), "--format", "json")
    assert r.code == 0, r.err
    res = r.json()
    (row,) = res["rows"]
    assert 370 < row["distance_km"] < 390
    fast, slow = res["claims"]
    assert fast["physically_impossible"] and fast["claimed_s"] == 111
    assert not slow["physically_impossible"] and slow["claimed_s"] == 540
    assert (tmp_path / "basing.svg").exists() and (tmp_path / "basing.json").exists()


@pytest.mark.parametrize("args,needle", [
    (["--sites", "krichev", "--targets", "kyiv", "--claim", "kyiv"], "--claim"),
    (["--sites", "krichev", "--targets", "kyiv", "--claim", "kyiv=soon"], "--claim"),
    (["--sites", "krichev", "--targets", "kyiv", "--claim", "minsk=100s"], "--claim"),
    (["--sites", "atlantis", "--targets", "kyiv"], "--sites"),
])
def test_basing_bad_input(duel, tmp_path, args, needle) -> None:
    r = duel("basing", *args, "--out", str(tmp_path))
    assert r.code == 2 and "Traceback" not in r.err and needle in r.err and len(r.err.strip().splitlines()) == 1


def test_run_bad_options(duel, tmp_path) -> None:
    f = write(tmp_path, trials=2)
    r = duel("run", str(f), "--trials", "0", "--out", str(tmp_path / "o"))
    assert r.code == 2 and r.err.strip() == "error: --trials: must be >= 1, got 0"
    r = duel("run", str(tmp_path / "missing.toml"))
    assert r.code == 2 and "scenario file not found" in r.err


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@unless_in_ci(_chromium() is None, "no system Chromium (.ci/run installs Debian's chromium)")
def test_report_renders_in_a_real_browser(run_dir) -> None:
    """Open report.html headless with Playwright driving the system Chromium; every chart and the map draw; on
    a 390 px wide phone the page does not scroll sideways (its widest table scrolls in its own frame)."""
    playwright = optional_module("playwright.sync_api")
    shot = run_dir / "out" / "report-screenshot.png"
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=_chromium() or "chromium", args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"])
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            requests: list[str] = []
            page.on("request", lambda req: requests.append(req.url))
            page.goto((run_dir / "out" / "report.html").as_uri())
            assert page.locator("#verdict").is_visible()
            assert "stopped" in page.locator("#verdict").inner_text()
            for fid in ("fig-timeline", "fig-altitude", "fig-speed", "fig-map", "fig-leakers", "fig-tornado"):
                box = page.locator(f"#{fid} svg").first.bounding_box()
                assert box is not None and box["width"] > 300 and box["height"] > 150, fid
            page.screenshot(path=str(shot), full_page=True)
            # on a 390 px phone nothing scrolls sideways: wide tables and charts scroll inside their own frames
            phone = browser.new_page(viewport={"width": 390, "height": 844})
            phone.goto((run_dir / "out" / "report.html").as_uri())
            assert phone.evaluate("document.documentElement.scrollWidth") <= 390
            assert phone.locator("#numbers .scroll").first.evaluate("e => e.scrollWidth > e.clientWidth")
        finally:
            browser.close()
    assert shot.stat().st_size > 50_000
    assert all(u.startswith(("file:", "data:", "about:")) for u in requests), requests


def test_unwritable_output_folder_fails_before_the_run(duel, tmp_path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    r = duel("run", str(write(tmp_path, trials=2)), "--out", str(blocker / "out"))
    assert r.code == 2 and r.err.startswith("error: --out: cannot create") and "Traceback" not in r.err


def test_progress_lines_without_a_terminal(monkeypatch, capsys) -> None:
    """Long work reports progress on stderr also when it is piped: a line per tenth, none for quick work (so an
    error stays one line)."""
    from duel.commands import progress as pg

    assert pg.with_progress(lambda p: [p(i, 50) for i in range(51)] and 7, label="work") == 7
    assert capsys.readouterr().err == ""  # quicker than QUIET_S
    monkeypatch.setattr(pg, "QUIET_S", 0.0)
    pg.with_progress(lambda p: [p(i, 50) for i in range(51)], label="work")
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 11 and lines[0].startswith("work: 0/50") and lines[-1].startswith("work: 50/50")


def test_version(duel) -> None:
    from duel import __version__

    r = duel("--version")
    assert r.code == 0 and r.out.strip() == f"duel {__version__}"
