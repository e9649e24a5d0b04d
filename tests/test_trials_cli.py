"""`duel trials`: the full-duel Monte Carlo from the command line (stored, resumable, deterministic)."""

from __future__ import annotations

import json

import pytest

from conftest import small_scenario


@pytest.fixture(scope="module")
def scenario(tmp_path_factory):
    p = tmp_path_factory.mktemp("sc") / "small.toml"
    p.write_text(small_scenario(uncertain='[uncertain]\n"interceptor.thaad.sspk" = {dist = "band"}\n'),
                 encoding="utf-8")
    return p


def test_trials_store_summarise_and_resume(duel, scenario, tmp_path) -> None:
    out = tmp_path / "run"
    r = duel("trials", str(scenario), "--trials", "9", "--chunk", "4", "--seed", "3", "--out", str(out))
    assert r.code == 0, r.err
    doc = json.loads((out / "trials.json").read_text())
    assert doc["trials"] == 9 and doc["seed"] == 3 and doc["objects"] == 1 and doc["backend"] == "numpy"
    assert doc["uncertain_inputs"] == ["interceptor.thaad.sspk"]
    est = doc["estimates"]
    assert est["all_stopped"]["kind"] == "proportion" and 0.0 <= est["all_stopped"]["mean"] <= 1.0
    lo, hi = est["leakers"]["ci95"]
    assert lo <= est["leakers"]["mean"] <= hi
    assert 0.0 < est["p_all_stopped"]["mean"] < 1.0  # one THAAD layer against one warhead
    # realised and closed-form columns say which is which, and why they differ
    assert est["all_stopped"]["how"] == "realised" and est["p_all_stopped"]["how"] == "closed form"
    assert est["all_stopped"]["label"] == est["p_all_stopped"]["label"] == "P(all objects stopped)"
    assert "limits dropped" in doc["why_they_differ"] and "not the spread across assumptions" in doc["why_they_differ"]
    assert doc["convergence"]["leakers"]["trials"][-1] == 9
    assert len(list((out / "trials").glob("*.parquet"))) == 3
    assert (out / "convergence.svg").read_text().startswith("<svg")
    # the same command again: nothing recomputed, the same file
    again = duel("trials", str(scenario), "--trials", "9", "--chunk", "4", "--seed", "3", "--out", str(out))
    assert again.code == 0 and "0 chunk(s) computed, 3 reused" in again.out.replace("\n", " ")
    assert "closed form" in again.out and "realised" in again.out
    assert json.loads((out / "trials.json").read_text()) == doc
    # JSON on stdout is the file
    js = duel("trials", str(scenario), "--trials", "9", "--chunk", "4", "--seed", "3", "--out", str(out),
              "--format", "json")
    assert json.loads(js.out) == doc


@pytest.mark.parametrize("args,needle", [
    (["--trials", "0"], "--trials"),
    (["--chunk", "0"], "--chunk"),
    (["--seed", "-1"], "--seed"),
    (["--backend", "gpu"], "--backend gpu"),
    (["--backend", "cuda"], "--backend"),
])
def test_trials_bad_input_exits_2_with_one_line(duel, scenario, tmp_path, args, needle) -> None:
    r = duel("trials", str(scenario), "--out", str(tmp_path / "x"), *args)
    assert r.code == 2 and "Traceback" not in r.err
    lines = [ln for ln in r.err.strip().splitlines() if ln.strip()]
    assert len(lines) == 1 and needle in lines[0], r.err


def test_trials_missing_file(duel, tmp_path) -> None:
    r = duel("trials", str(tmp_path / "nope.toml"), "--out", str(tmp_path / "x"))
    assert r.code == 2 and "not found" in r.err
