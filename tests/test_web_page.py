"""The page in a real browser (Playwright driving Debian's chromium): set up, run, download, compare.

Starts `duel serve` on a free port. In CI (CI=true) a missing browser or Playwright fails the test instead of
skipping it. Screenshots go to $DUEL_ARTIFACTS (default: the test's temporary folder).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

import pytest

from conftest import IN_CI, free_port, optional_module

optional_module("fastapi")
optional_module("uvicorn")
playwright = optional_module("playwright.sync_api")

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None and not IN_CI, reason="no system chromium (CI installs it)")



@pytest.fixture(scope="module")
def base():
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "duel", "serve", "--port", str(port)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=Path(__file__).parents[1])
    assert f"127.0.0.1:{port}" in proc.stdout.readline()
    url = f"http://127.0.0.1:{port}/"
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.1)
    yield url
    proc.terminate()
    proc.wait(timeout=20)


def test_set_up_run_download_and_compare_in_a_browser(base, tmp_path):
    assert CHROMIUM, "no chromium on PATH (.ci/run installs Debian's)"
    shots = Path(os.environ.get("DUEL_ARTIFACTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    outside: list[str] = []
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1280, "height": 1000})

        def guard(route):  # the page may reach its own origin only
            if route.request.url.startswith(base) or route.request.url.startswith("data:"):
                route.continue_()
            else:
                outside.append(route.request.url)
                route.abort()

        page.route("**/*", guard)
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(base)
        page.wait_for_selector("body[data-ready=true]", state="attached", timeout=60_000)
        assert page.input_value("#missile") == "oreshnik"  # the scenario's missile, chosen from the catalogue
        assert page.locator("#missile option").count() >= 3
        page.select_option("#launch", "kapustin-yar")
        page.select_option("#target", "kyiv")
        before = page.locator("#batteries li").count()
        page.select_option("#newtype", "pac-3-mse")
        page.click("#add")
        box = page.locator("#map").bounding_box()
        page.mouse.click(box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.45)
        page.wait_for_selector(f"body[data-drawn='{before + 1}']", state="attached")  # placed by the server
        assert page.locator("#batteries li").count() == before + 1
        assert "Patriot PAC-3 MSE" in page.locator("#batteries li").last.inner_text()
        # a battery at a typed position: 20 km due south of Kyiv, placed by the pipeline
        page.fill("#newat", "kyiv+20km@180")
        page.click("#addat")
        page.wait_for_selector(f"body[data-drawn='{before + 2}']", state="attached")
        assert page.input_value("#batteries li:last-child input.at") == "kyiv+20km@180"
        # a position the pipeline refuses: its one-line error, and no battery added
        page.fill("#newat", "kyiv+20km@south")
        page.click("#addat")
        page.locator("#status", has_text="error").wait_for()
        assert "].at: 'kyiv+20km@south' is not a place id" in page.inner_text("#status")
        assert page.locator("#batteries li").count() == before + 2
        # an edit in the list that the pipeline refuses is undone
        last = page.locator("#batteries li:last-child input.at")
        last.fill("nowhere-at-all")
        last.press("Tab")
        page.locator("#status", has_text="unknown place 'nowhere-at-all'").wait_for()
        assert last.input_value() == "kyiv+20km@180"
        errors[:] = [e for e in errors if "status of 422" not in e]  # the browser logs the refused requests
        page.fill("#trials", "20")
        page.fill("#seed", "7")
        page.keyboard.press("Tab")  # leave the field as a user does (headless chromium drops a click that blurs it)
        page.screenshot(path=str(shots / "web-setup.png"), full_page=True)
        page.click("#run")
        page.locator("#status", has_text="done").or_(page.locator("#status", has_text="error")).wait_for(
            timeout=240_000)
        assert page.inner_text("#status") == "done", page.inner_text("#status")
        shown = float(page.get_attribute("#current", "data-p-all-stopped"))
        toml = urllib.parse.unquote(page.get_attribute("#dl-toml", "href").split(",", 1)[1])
        page.screenshot(path=str(shots / "web-result.png"), full_page=True)
        # the report's own figures inline, one chart code for both: hover texts (SVG titles) with values and units
        charts = page.locator("#current .chart")
        shown_figures = [charts.nth(i).get_attribute("data-figure") for i in range(charts.count())]
        assert shown_figures[:3] == ["timeline", "altitude", "leakers"], shown_figures
        windows = page.locator("#current .chart[data-figure=timeline] title").all_text_contents()
        assert any(": can intercept from T+" in t and " s before impact" in t for t in windows), windows
        bars = page.locator("#current .chart[data-figure=leakers] title").all_text_contents()
        assert all("% of the draws" in t for t in bars), bars
        assert page.inner_text("#current .decides").startswith("What decides it: ")
        # a slider for a top-ranked input: set it to the top of its band; the scenario's [fixed] table holds it
        slider = page.locator("#sliders .slider").first
        path = slider.get_attribute("data-path")
        slider.locator("input[type=range]").press("End")
        assert "set to" in slider.locator("output").inner_text()
        with_slider = urllib.parse.unquote(page.get_attribute("#dl-toml", "href").split(",", 1)[1])
        assert "[fixed]" in with_slider and f'"{path}" = ' in with_slider, with_slider

        scen = tmp_path / "downloaded.toml"
        scen.write_text(toml, encoding="utf-8")
        subprocess.run([sys.executable, "-m", "duel", "run", str(scen), "--seed", "7", "--trials", "20", "--out",
                        str(tmp_path / "cli"), "--format", "json"], check=True, capture_output=True, timeout=300)
        cli = json.loads((tmp_path / "cli" / "result.json").read_text(encoding="utf-8"))
        assert shown == cli["verdict"]["p_all_stopped"]["value"]
        assert len(bars) == cli["verdict"]["objects"] + 1  # a hover text on every bar, k = 0 .. objects
        assert len(cli["batteries"]) == before + 2
        south = cli["batteries"][-1]
        kyiv = cli["threat"]["target"]
        assert south["lat_deg"] < kyiv["lat_deg"] - 0.17 and abs(south["lon_deg"] - kyiv["lon_deg"]) < 0.01

        page.click("#versus")  # pin, then the same duel from Krichev
        page.locator("#current h2", has_text="krichev").wait_for(timeout=240_000)  # (CSP: no eval'd waits)
        assert "kapustin-yar" in page.inner_text("#pinned h2")
        assert "krichev" in page.inner_text("#current h2")
        for card in ("#pinned", "#current"):  # both timelines, side by side
            assert page.locator(f"{card} .chart[data-figure=timeline] svg").count() == 1
        # the set input is no longer drawn (so no longer ranked), and its slider stays, set
        assert "set to" in page.locator(f"#sliders .slider[data-path='{path}'] output").inner_text()
        page.screenshot(path=str(shots / "web-compare.png"), full_page=True)
        toml = urllib.parse.unquote(page.get_attribute("#dl-toml", "href").split(",", 1)[1])
        krichev = page.request.get(base.rstrip("/") + page.get_attribute("#dl-result", "href")).json()
        browser.close()
    # the Krichev run used the slider's value: the input was not drawn, and the downloaded file holds it (that a
    # downloaded file runs the same in the CLI is checked above, for the first run)
    assert krichev["threat"]["launch"]["name"].startswith("Krichev")
    assert path not in [r["path"] for r in krichev["sensitivity"]["inputs"]]
    assert "[fixed]" in toml and f'"{path}" = ' in toml and 'launch = "krichev"' in toml
    assert outside == [], outside
    assert errors == [], errors
