"""The refactored pipeline gives the pre-refactor results: the four shipped scenarios' result.json against
fixtures made from commit 71aee9f (tests/golden/), field by field.

Tolerances: numbers equal to 1e-9 relative, except the engagement windows, which the refactor computes with
the one batch window model (margins interpolated between the 0.5 s samples) instead of the old per-battery
bisection: there times within 10 ms, and the object's altitude, ground range and speed at a window edge within
what 10 ms of flight moves them (50 m, 10 m/s; observed at most 5.5 ms, 4.7 m, 0.3 m/s, on the lowest Patriot
windows of the Belarus scenario, where the fly-out margin curves most between samples). Probabilities,
leakers, flights, impact points and everything else must agree to 1e-9 relative.

The one-at-a-time (tornado) cases now draw their raid realisations from the run's seed (before: always seed 1);
where a magazine or fire channels bind (the Kyiv scenarios) those numbers are Monte Carlo estimates of 2,000
realisations each, compared within 4 standard errors (leakers: 4 x 18 / sqrt(2000) = 1.6 objects at most;
probabilities 0.045); seeded as before (a test below), the Kyiv tornado equals the golden one to 1e-9.

Deliberate differences (docs/architecture.md, "What changed in the result"): uncertain inputs are named by
their canonical registry path (``missile.reentry_beta_kg_m2`` -> ``missile.oreshnik.reentry_beta_kg_m2``);
events, tornado rows and claim flips carry new keys (``key``, ``label``); the numbers table and the source list
come from the input registry (rows: path, name, value, band, unit, status, sources, note).

Since every input with a band is drawn by default and the verdict speaks from the spread across the
assumptions, the scenarios run here as the fixtures were made (conftest.as_before_the_verdict_issue: only
their [uncertain] inputs drawn, the same number of draws). The verdict's ``ci95`` (the 95 % interval of the
mean) is now ``mc_ci95``, next to the new ``median`` and ``range90``; the claims, judged across the draws now
(``holds_share``), and the headline and answer (worded from the 90 % range) are new, not compared; the
RBD-FAST bootstrap is seeded with the run's seed (its half-widths ``s1_conf`` within 50 %; the indices equal).

The readable-report issue (11): lengths compare to a millimetre as well as 1e-9 relative (a miss distance of a
few millimetres differs by nanometres between BLAS builds); batteries gain their name in words (``title``,
``place`` reworded), the threat its warheads and submunitions, the time budget its named warning times; the
highest Mach counts the descent's 86 km crossing; city points come from GeoNames (the fixtures' coordinates are
pinned, so every number is the same; the sources are renamed) and two interceptor figures taken from one test
are *estimated*, not *reported* (``SOURCES_NOW``, ``STATUS_NOW``).

The engine-speed issue (12): the aim's corrector takes azimuth steps of up to 45 deg (was 5), so a comparison arc
that started far off its azimuth (a lofted arc from Krichev or at Dnipro) converges along another path to another
point inside the same 5 m miss tolerance; the comparisons' numbers agree to 1e-6 relative (observed 2e-8).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from conftest import GOLDEN_RENAMED, SHIPPED, as_before_the_verdict_issue

GOLDEN = Path(__file__).resolve().parent / "golden"
RENAMED = {**GOLDEN_RENAMED,  # and the exchange's event at the infrared launch report: a cue, not a track
           "sensor_first_track": "sensor_cue"}
NEW_KEYS = {"key", "label", "fire_control", "engages", "launch_track_s", "remote_track",  # new fields in events, tornado rows and claim flips; in comparisons and the threat:
            "flyable", "limit_broken", "limit_broken_short", "max_dynamic_pressure_kpa", "max_dynamic_pressure_altitude_km",
            "max_heat_flux_mw_m2", "max_heat_flux_altitude_km", "max_mach_altitude_km", "mach_30km", "track", "flyability",
            # the readable-report issue: a battery's name in words, the named warning times, the object counts
            "title", "type_name", "warning_times", "warheads", "submunitions_per_warhead"}
REGENERATED = {"numbers", "sources", "claims"}  # from the input registry now (compared separately below); claims
RENAMED_KEYS = {"ci95": "mc_ci95"}  # in the verdict's quantities
NEW_TEXT = {"headline", "answer", "answer_kind", "median", "range90", "draws_capped",  # new, or worded anew
            "method", "meaning", "inputs", "screened_out",  # the sensitivity's Sobol' part
            "place",  # a battery's position in words: '15 km east of Kyiv' (was 'Kyiv +15 km at 90 deg')
            # the highest Mach now counts the descent's 86 km crossing, interpolated (the recorded samples jump
            # over it; the speed of sound is lowest there): one definition with the claims' per-draw Mach, tested
            # against energy conservation in tests/test_claims_kinematic.py
            "max_mach", "max_mach_altitude_km"}
GONE = {"p_all_stopped_spread"}  # the verdict's 5-95 % range of P(all stopped): now each quantity's range90
WINDOW_PARTS = ("batteries", "time_budget", "timeline")  # where the window model's edges show
# the readable-report issue's catalogue review: city points from the GeoNames gazetteer instead of Wikipedia (the
# fixtures' coordinates are pinned: conftest.GOLDEN_PLACES), and statuses that were not reported figures
SOURCES_NOW = {"wiki-kyiv": "geonames", "wiki-dnipro": "geonames", "wiki-lviv": "geonames"}
STATUS_NOW = {"interceptor.samp-t-b1nt.max_intercept_altitude_km": "estimated",  # one test target's altitude
              "interceptor.arrow-3.min_intercept_altitude_km": "estimated"}


def _tolerance(path: str, tornado_seeded_as_before: bool) -> tuple[float, float]:
    """(absolute, relative) tolerance for the number at ``path``."""
    if not tornado_seeded_as_before and path.startswith(("sensitivity.tornado", "sensitivity.base")):
        leaf = path.rsplit(".", 1)[-1]
        if leaf.startswith(("output", "p_", "base")):
            return (1.6 if "leak" in path or leaf.startswith("output") or leaf == "base" else 0.045), 0.0
    if path.endswith(".s1_conf"):  # the RBD-FAST bootstrap is seeded with the run's seed now (before: 1)
        return 0.0, 0.5
    if path.split(".")[0].split("[")[0] in WINDOW_PARTS:
        leaf = path.rsplit(".", 1)[-1].split("[")[0]
        if leaf.endswith("_s") or leaf == "duration_s":
            return 0.010, 0.0
        if leaf.endswith("_km"):
            return 0.050, 0.0
        if leaf.endswith("_mps"):
            return 10.0, 0.0
    if path.startswith("comparisons"):  # aimed anew with longer azimuth steps: within the corrector's 5 m miss
        return 0.0, 1e-6
    leaf = path.rsplit(".", 1)[-1].split("[")[0]
    if leaf.endswith(("_km", "_m")):  # lengths near zero (a miss distance, an impact altitude): to a millimetre
        return (1e-6 if leaf.endswith("_km") else 1e-3), 1e-9
    return 0.0, 1e-9


def _compare(old: Any, new: Any, path: str, out: list[str], tornado_seeded_as_before: bool = False) -> None:
    if isinstance(old, dict):
        if not isinstance(new, dict):
            out.append(f"{path}: {type(new).__name__}, expected an object")
            return
        old = {RENAMED_KEYS.get(k, k) if path.startswith("verdict") else k: v for k, v in old.items() if k not in GONE}
        for k in set(old) | set(new):
            if (k in NEW_KEYS and k not in old) or k in NEW_TEXT:
                continue
            if k not in old or k not in new:
                out.append(f"{path}.{k}: only in {'the new' if k in new else 'the golden'} result")
                continue
            _compare(old[k], new[k], f"{path}.{k}" if path else k, out, tornado_seeded_as_before)
    elif isinstance(old, list):
        if not isinstance(new, list) or len(new) != len(old):
            out.append(f"{path}: length {len(new) if isinstance(new, list) else '-'}, expected {len(old)}")
            return
        for i, (a, b) in enumerate(zip(old, new)):
            _compare(a, b, f"{path}[{i}]", out, tornado_seeded_as_before)
    elif isinstance(old, (int, float)) and not isinstance(old, bool) and isinstance(new, (int, float)):
        abs_tol, rel_tol = _tolerance(path, tornado_seeded_as_before)
        if not math.isclose(old, new, abs_tol=abs_tol, rel_tol=rel_tol):
            out.append(f"{path}: {new!r}, expected {old!r}")
    elif (RENAMED.get(old, old) if isinstance(old, str) else old) != new:
        out.append(f"{path}: {new!r}, expected {old!r}")


def _in_input_order(doc: dict[str, Any]) -> dict[str, Any]:
    """Tornado rows ordered by input (their ranking may swap inputs within Monte Carlo error)."""
    doc["sensitivity"]["tornado"].sort(key=lambda r: RENAMED.get(r["input"], r["input"]))
    return doc


def _diffs(name: str, doc: dict[str, Any], tornado_seeded_as_before: bool = False) -> list[str]:
    golden = _in_input_order(json.loads((GOLDEN / f"{name}.result.json").read_text(encoding="utf-8")))
    doc = _in_input_order(json.loads(json.dumps(doc)))  # as written to result.json
    for d, extra in ((golden, {"geonames"}), (doc, set())):  # the threat's sources as a set, the cities renamed
        d["threat"]["sources"] = sorted({SOURCES_NOW.get(x, x) for x in d["threat"]["sources"]} | extra)
    diffs: list[str] = []
    _compare({k: v for k, v in golden.items() if k not in REGENERATED},
             {k: v for k, v in doc.items() if k not in REGENERATED}, "", diffs, tornado_seeded_as_before)
    return diffs


@pytest.mark.parametrize("name", SHIPPED)
def test_result_equals_the_pre_refactor_golden(shipped_runs, name: str) -> None:
    diffs = _diffs(name, shipped_runs[name][0])
    assert not diffs, "\n".join(diffs[:40])


def test_tornado_is_the_pre_refactor_tornado_when_seeded_as_before(monkeypatch) -> None:
    """The only change in the tornado is its seed: drawn from seed 1 as before the refactor, the Kyiv duel's
    tornado, base and claim flips (where fire channels bind, so the raid realisations matter) equal the golden
    result to 1e-9 relative."""
    from duel.pipeline import run_scenario
    from duel.scenario import load_scenario
    from duel.trials import runner

    engine = runner.evaluate_draws

    def seeded_as_before(flight, defence, inputs, draws, n, seed, backend, inner, progress=None, row_offset=0,
                         workers=1):
        tornado = n == 1 + 2 * len(draws)
        return engine(flight, defence, inputs, draws, n, 1 if tornado else seed, backend, inner, progress,
                      row_offset, workers=workers)

    monkeypatch.setattr(runner, "evaluate_draws", seeded_as_before)
    root = Path(__file__).resolve().parents[1] / "scenarios"
    doc = run_scenario(as_before_the_verdict_issue(load_scenario(root / "kyiv-duel.toml"), "kyiv-duel")).document
    diffs = _diffs("kyiv-duel", doc, tornado_seeded_as_before=True)
    assert not diffs, "\n".join(diffs[:40])


@pytest.mark.parametrize("name", SHIPPED)
def test_numbers_table_keeps_every_catalogue_value_the_model_reads(shipped_runs, name: str) -> None:
    """Every catalogue value of the golden numbers table that the model reads is in the registry's table under
    its path, with the same value and status; the bibliography keeps every source of the golden result."""
    from duel.scenario.registry import Registry

    reg = Registry.default()
    doc, _ = shipped_runs[name]
    golden = json.loads((GOLDEN / f"{name}.result.json").read_text(encoding="utf-8"))
    rows = {r["path"]: r for r in doc["numbers"]}
    checked = 0
    for row in golden["numbers"]:
        parts = row["name"].split()
        if len(parts) == 4 and parts[1] == "stage":
            path = f"missile.{parts[0]}.stage{parts[2]}.{parts[3]}"
        elif len(parts) == 2:
            path = next((f"{k}.{parts[0]}.{parts[1]}" for k in ("missile", "interceptor", "sensor")
                         if f"{k}.{parts[0]}.{parts[1]}" in reg), "")
        else:
            continue
        if path not in reg:
            continue  # a catalogue value the model does not read (e.g. a reported range)
        assert path in rows, path
        assert (rows[path]["value"], rows[path]["status"]) == (row["value"], STATUS_NOW.get(path, row["status"])), path
        checked += 1
    assert checked >= 15  # the missile's stages and reentry objects at least
    assert {SOURCES_NOW.get(s["id"], s["id"]) for s in golden["sources"]} <= {s["id"] for s in doc["sources"]}


@pytest.fixture(scope="module")
def listed_paths() -> set[str]:
    from duel.scenario.registry import Registry

    return {s.path for s in Registry.default()}


@pytest.mark.parametrize("name", SHIPPED)
def test_every_number_a_run_reads_comes_through_the_registry(shipped_runs, listed_paths, name) -> None:
    """The pipeline reads every model number through :class:`Inputs` (recorded while the scenario ran): each
    is an input ``duel inputs`` lists, the numbers table shows exactly those, and the catalogue and data files
    are read nowhere else (tests/test_architecture.py checks the imports)."""
    doc, reads = shipped_runs[name]
    paths = listed_paths  # what duel inputs lists (tests/test_inputs.py checks the command against the registry)
    assert reads and reads <= paths, sorted(reads - paths)
    prefixes = {p.split(".")[0] for p in reads}
    assert {"missile", "interceptor", "sensor", "place", "assumption", "doctrine", "verdict", "montecarlo"} <= prefixes \
        or name == "dnipro-2024"  # Dnipro has no battery: no interceptor is read
    shown = {r["path"] for r in doc["numbers"] if not r["name"].startswith("uncertain:")}
    assert shown <= reads and len(shown) >= 0.8 * len(reads)  # absent optional inputs (no notice) are not shown




@pytest.mark.parametrize("name", SHIPPED)
def test_no_text_pairs_arrival_or_impact_with_the_peak_mach(shipped_runs, name: str, tmp_path) -> None:
    """Every 'Mach N' in a clause that speaks of arriving or impact is the Mach at impact, never the peak
    (which the missile reaches high up: its altitude is said with it); over the prose and the whole report."""
    import re
    from html.parser import HTMLParser

    from duel.report.build import write_outputs

    doc, _ = shipped_runs[name]
    t = doc["threat"]
    peak = f"{t['max_mach']:.1f}"
    assert t["max_mach"] - t["impact"]["mach"] > 1.0 and t["max_mach_altitude_km"] > 5.0
    write_outputs(doc, tmp_path, report=True)

    class Text(HTMLParser):
        chunks: list[str] = []

        def handle_data(self, data: str) -> None:
            self.chunks.append(data)

    p = Text()
    p.chunks = [doc["verdict"]["headline"], doc["verdict"]["answer"]]
    p.feed((tmp_path / "report.html").read_text(encoding="utf-8"))
    clauses = [s for c in p.chunks for s in re.split(r"(?<=[.;,:])\s+|\s+(?:and|but|while)\s+", c)]
    said = [s for s in clauses if re.search(r"arriv|impact", s, re.I) and "Mach" in s]
    assert said, "the report says the Mach at impact somewhere"
    for s in said:
        for value in re.findall(r"Mach (\d+(?:\.\d+)?)", s):  # "Mach 11" (rounded) counts as well
            assert abs(float(value) - t["impact"]["mach"]) <= 0.5, s
    assert any(f"highest Mach number is {peak}, at {t['max_mach_altitude_km']:.0f} km altitude" in c for c in p.chunks)
