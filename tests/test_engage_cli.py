"""``duel engage`` as a user runs it: the JSON contract, the table, the notice, and every bad input."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from cli_process import run_duel

BASE = ["engage", "--missile", "oreshnik", "--from", "kapustin-yar", "--to", "kyiv"]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return run_duel(*args)


@pytest.fixture(scope="module")
def doc():
    p = _run(*BASE, "--battery", "pac-3-mse@kyiv", "--battery", "thaad@kyiv", "--format", "json")
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)


def test_json_contract(doc):
    num = (int, float)
    assert isinstance(doc["threat"], dict) and isinstance(doc["threat"]["ground_range_km"], num)
    tl = doc["timeline"]
    assert tl["launch_s"] == 0
    for k in ("detection_s", "first_track_s", "impact_s"):
        assert isinstance(tl[k], num) and not isinstance(tl[k], bool)
    assert tl["impact_s"] == pytest.approx(doc["threat"]["flight_time_s"])
    assert tl["detection_s"] <= tl["first_track_s"] < tl["impact_s"]
    assert [b["type"] for b in doc["batteries"]] == ["pac-3-mse", "thaad"]
    for b in doc["batteries"]:
        assert isinstance(b["lat_deg"], num) and isinstance(b["lon_deg"], num) and isinstance(b["windows"], list)
        for w in b["windows"]:
            assert isinstance(w["object"], (str, int)) and isinstance(w["shots"], int)
            for k in ("t_first_s", "t_last_s", "alt_first_km", "alt_last_km"):
                assert isinstance(w[k], num)
    thaad = doc["batteries"][1]
    assert thaad["windows"] and 40.0 - 1e-6 <= thaad["windows"][0]["alt_last_km"] <= 150.0 + 1e-6
    r = doc["raid"]
    assert isinstance(r["p_zero_leakers"], num) and isinstance(r["expected_leakers"], num)
    assert r["warheads"] == 36  # 6 warheads x 6 submunitions from the catalogue
    assert doc["assumptions"]["rcs_m2"]["status"] == "notional" and doc["parameters"]["rcs_m2"] == 0.05


def test_contract_script_holds():
    from pathlib import Path

    script = Path("/work/shared/contract/check.py")
    if not script.exists():
        pytest.skip("shared contract script not present")
    p = subprocess.run([sys.executable, str(script), "engage"], capture_output=True, text=True, timeout=300,
                       env={**__import__("os").environ,
                            "PATH": f"{Path(sys.executable).parent}:{__import__('os').environ.get('PATH', '')}"})
    assert "contract holds" in p.stdout, p.stdout + p.stderr


def test_table_output(duel):
    r = duel(*BASE, "--battery", "thaad@+20km@90", "--battery", "pac-3-mse@kyiv")
    assert r.code == 0, r.err
    for text in ("engagement windows", "thaad@+20km@90", "P(no leaker)", "expected leakers", "IR launch report"):
        assert text in r.out


def test_notice_reaches_the_model(doc, duel):
    """With a 24 h notice naming the impact area (readiness 'ready'), PAC-3 MSE at Kyiv gets a window it
    does not get without notice; THAAD's window does not shrink."""
    assert doc["batteries"][0]["windows"] == []
    r = duel(*BASE, "--battery", "pac-3-mse@kyiv", "--battery", "thaad@kyiv", "--notice", "24h",
             "--notice-content", "impact-area", "--format", "json")
    assert r.code == 0, r.err
    d = r.json()
    assert d["readiness"]["level"] == "ready" and d["timeline"]["notice_s"] == -86400
    assert d["batteries"][0]["windows"], d["batteries"][0]["no_window_reason"]
    w0, w1 = doc["batteries"][1]["windows"][0], d["batteries"][1]["windows"][0]
    assert w1["t_first_s"] <= w0["t_first_s"] and w1["t_last_s"] >= w0["t_last_s"]


@pytest.mark.parametrize(
    "extra, option, words",
    [
        (["--battery", "pac-3-mxe@kyiv"], "--battery", "did you mean pac-3-mse"),
        (["--battery", "pac-3-mse@95,10"], "--battery", "latitude"),
        (["--battery", "pac-3-mse@nowhere"], "--battery", "unknown place"),
        (["--battery", "pac-3-mse"], "--battery", "TYPE@PLACE"),
        (["--battery", "pac-3-mse@kyiv+20@90"], "--battery", "offset"),
        (["--battery", "pac-3-mse@kyiv:magazine=-1"], "--battery", "magazine"),
        (["--battery", "pac-3-mse@kyiv:sspk=1.2"], "--battery", "sspk"),
        (["--battery", "pac-3-mse@kyiv", "--sspk", "-0.1"], "--sspk", "probability"),
        (["--battery", "pac-3-mse@kyiv", "--sspk", "1.5"], "--sspk", "probability"),
        (["--battery", "pac-3-mse@kyiv", "--p-track", "2"], "--p-track", "probability"),
        (["--battery", "pac-3-mse@kyiv", "--p-kill-assessment", "-1"], "--p-kill-assessment", "probability"),
        (["--battery", "pac-3-mse@kyiv", "--notice", "-5"], "--notice", ">= 0"),
        (["--battery", "pac-3-mse@kyiv", "--notice", "soon"], "--notice", "lead time"),
        (["--battery", "pac-3-mse@kyiv", "--notice", "30", "--notice-content", "all"], "--notice-content", "one of"),
        (["--battery", "pac-3-mse@kyiv", "--notice", "30", "--notice-recipient", "nato"], "--notice-recipient", "one of"),
        (["--battery", "pac-3-mse@kyiv", "--notice", "30", "--notice-recipient", "third-party", "--relay-delay", "-3"],
         "--relay-delay", ">= 0, got -3"),
        (["--battery", "pac-3-mse@kyiv", "--notice", "30", "--relay-delay", "15"], "--relay-delay",
         "only a third-party recipient relays"),
        (["--battery", "pac-3-mse@kyiv", "--shots", "0"], "--shots", ">= 1"),
        (["--battery", "pac-3-mse@kyiv", "--doctrine", "barrage"], "--doctrine", "salvo"),
        (["--battery", "pac-3-mse@kyiv", "--rcs", "0"], "--rcs", "> 0, got 0"),
        ([], "--battery", "at least one"),
        (["--battery", "pac-3-mse@kyiv", "--kill-assessment", "5000", "--doctrine", "sls"], "--kill-assessment",
         "longer than the whole flight"),
    ],
)
def test_bad_input(duel, extra, option, words):
    r = duel(*BASE, *extra)
    assert r.code == 2, (r.out, r.err)
    assert "Traceback" not in r.err
    lines = r.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {option}") and words in lines[0], r.err
