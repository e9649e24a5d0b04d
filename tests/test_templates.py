"""`duel catalog template missile|interceptor`: the printed file loads as the catalogue's own entries do (and
a missile file flies, from the command line and from a scenario); a template with a field removed fails with
one line that names the field; `duel catalog check` validates a user's file."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import quick

from duel.catalog import load_catalog
from duel.catalog.loading import read_entry_file, template_text
from duel.catalog.schema import InterceptorEntry, MissileEntry, StageEntry
from duel.errors import InputError

MISSILE_ID, INTERCEPTOR_ID = "my-missile", "my-interceptor"


def _required(model: type) -> list[str]:
    return [name for name, f in model.model_fields.items() if f.is_required()]


def _without(text: str, field: str, in_stage: bool = False) -> str:
    """The template without the line that sets ``field`` (in the stage table, or before it)."""
    head, sep, stage = text.partition("[[my-missile.stages]]")
    part = stage if in_stage else head
    line = re.compile(rf"^{field} = .*\n", re.M)
    assert line.search(part), f"the template sets no {field}"
    part = line.sub("", part, count=1)
    return part + sep + stage if not in_stage else head + sep + part


def _read(tmp_path: Path, text: str, name: str = "mine.toml") -> tuple[str, str, object]:
    cat = load_catalog()
    radars = [k for k, v in cat.records("sensors").items() if v.kind == "radar"]
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return read_entry_file(path, cat.records("sources"), radars)


def test_templates_print_commented_toml(duel) -> None:
    for kind in ("missile", "interceptor"):
        r = duel("catalog", "template", kind)
        assert r.code == 0, r.err
        assert r.out == template_text(kind)
        assert "status" in r.out and "reported" in r.out and "estimated" in r.out and "notional" in r.out
        assert "duel catalog sources" in r.out  # where source ids come from
        # every value line says its unit or meaning in a comment (on it or on the line above)
        lines = r.out.splitlines()
        for i, line in enumerate(lines):
            if re.match(r"^[a-z_]+ = \{ nominal", line):
                assert "#" in line or lines[i - 1].startswith("#"), line


def test_missile_template_loads_flies_and_runs_in_a_scenario(duel, tmp_path) -> None:
    path = tmp_path / "my-missile.toml"
    path.write_text(duel("catalog", "template", "missile").out, encoding="utf-8")
    r = duel("catalog", "check", str(path))
    assert r.code == 0 and r.out.startswith(f"ok: {path}: missile '{MISSILE_ID}'"), r.err
    r = duel("fly", "--missile", str(path), "--from", "kapustin-yar", "--to", "48.6,42", "--format", "json")
    assert r.code == 0, r.err
    assert r.json()["miss_distance_km"] < 1.0
    scenario = tmp_path / "mine.toml"
    scenario.write_text(f'[scenario]\nname = "mine"\n\n[threat]\nmissile = "{path}"\nlaunch = "kapustin-yar"\n'
                        'target = "48.6,42"\n', encoding="utf-8")
    r = duel("scenario", "check", str(scenario))
    assert r.code == 0 and r.out.startswith(f"ok: {scenario}"), r.err


def test_interceptor_template_loads(duel, tmp_path) -> None:
    path = tmp_path / "my-interceptor.toml"
    path.write_text(duel("catalog", "template", "interceptor").out, encoding="utf-8")
    r = duel("catalog", "check", str(path))
    assert r.code == 0 and r.out.startswith(f"ok: {path}: interceptor '{INTERCEPTOR_ID}'"), r.err


@pytest.mark.parametrize("field", [f for f in _required(MissileEntry) if f != "stages"])
def test_missile_template_without_a_field_names_it(tmp_path, field: str) -> None:
    with pytest.raises(InputError, match=rf"{MISSILE_ID}\.{field}: required key missing"):
        _read(tmp_path, _without(template_text("missile"), field))


@pytest.mark.parametrize("field", _required(StageEntry) + ["isp_vac_s"])
def test_missile_template_stage_without_a_field_names_it(tmp_path, field: str) -> None:
    with pytest.raises(InputError, match=rf"{MISSILE_ID}\.stages\[0\]\.?.*{field}"):
        _read(tmp_path, _without(template_text("missile"), field, in_stage=True))


@pytest.mark.parametrize("field", _required(InterceptorEntry))
def test_interceptor_template_without_a_field_names_it(tmp_path, field: str) -> None:
    with pytest.raises(InputError, match=rf"{INTERCEPTOR_ID}\.{field}: required key missing"):
        _read(tmp_path, _without(template_text("interceptor"), field))


def test_the_template_as_printed_reads_as_each_kind(tmp_path) -> None:
    assert _read(tmp_path, template_text("missile"))[:2] == ("missile", MISSILE_ID)
    assert _read(tmp_path, template_text("interceptor"))[:2] == ("interceptor", INTERCEPTOR_ID)


@pytest.mark.parametrize("args", [
    ["scenario", "check", "{scenario}"],
    ["fly", "--missile", "{file}", "--from", "kapustin-yar", "--to", "48.6,42"],
    ["catalog", "check", "{file}"],
])
def test_a_missing_field_is_one_line_and_exit_2(duel, tmp_path, args: list[str]) -> None:
    file = tmp_path / "my-missile.toml"
    file.write_text(_without(template_text("missile"), "payload_mass_kg"), encoding="utf-8")
    scenario = tmp_path / "mine.toml"
    scenario.write_text(f'[scenario]\nname = "mine"\n\n[threat]\nmissile = "{file}"\nlaunch = "kapustin-yar"\n'
                        'target = "48.6,42"\n', encoding="utf-8")
    r = duel(*(a.format(file=file, scenario=scenario) for a in args))
    assert r.code == 2 and "Traceback" not in r.err
    (line,) = r.err.splitlines()
    assert line.startswith("error: ") and f"{MISSILE_ID}.payload_mass_kg: required key missing" in line


def test_a_reported_value_without_a_source_is_refused(tmp_path) -> None:
    text = template_text("missile").replace('reported_range_km = { nominal = 300.0, status = "notional"',
                                            'reported_range_km = { nominal = 300.0, status = "reported"')
    with pytest.raises(InputError, match="reported_range_km.sources: a reported value needs at least one source"):
        _read(tmp_path, text)


def test_check_names_an_unknown_radar_and_a_missing_file(duel, tmp_path) -> None:
    text = template_text("interceptor").replace('radar = "an-mpq-65"', 'radar = "an-mpq-66"')
    with pytest.raises(InputError, match=r"my-interceptor\.radar: unknown radar 'an-mpq-66'; did you mean an-mpq-65"):
        _read(tmp_path, text)
    r = duel("catalog", "check", str(tmp_path / "nope.toml"))
    assert r.code == 2 and r.err.strip() == f"error: FILE: file not found: {tmp_path / 'nope.toml'}"


# ------------------------------------------------------------------- an interceptor file in a duel
FILE_ID = "my-pac"  # the id the user gives the printed template (any id that is not a catalogue id)
SEEN_EARLY = ("--notice", "24h", "--notice-content", "impact-area")  # a notice that leaves PAC-3 a window
ENGAGE = ("engage", "--missile", "oreshnik", "--from", "kapustin-yar", "--to", "kyiv", "--format", "json")


def _interceptor_file(duel, tmp_path: Path, name: str = "my-pac.toml", tid: str = FILE_ID,
                      change: tuple[str, str] = ("", "")) -> Path:
    """The printed interceptor template saved as ``name`` with the id ``tid`` (and one text replaced)."""
    r = duel("catalog", "template", "interceptor")
    assert r.code == 0, r.err
    text = r.out.replace(f"[{INTERCEPTOR_ID}]", f"[{tid}]", 1).replace(*change)
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _scenario(tmp_path: Path, battery_type: str, name: str) -> Path:
    """A scenario with one battery of ``battery_type`` at Kyiv, warned early enough for PAC-3 to have a window
    (small Monte Carlo counts, conftest.quick: the comparisons are of the nominal duel and the inputs)."""
    path = tmp_path / name
    path.write_text(quick(f'[scenario]\nname = "{name}"\n\n[threat]\nmissile = "oreshnik"\n'
                          'launch = "kapustin-yar"\ntarget = "kyiv"\n\n[notice]\nlead_min = 1440\n'
                          f'content = "impact-area"\n\n[[batteries]]\ntype = "{battery_type}"\nat = "kyiv"\n'),
                    encoding="utf-8")
    return path


def _without_type(battery: dict) -> dict:
    """A battery of the JSON output without what names its type (id, names, label, title, sources)."""
    return {k: v for k, v in battery.items() if k not in ("type", "name", "type_name", "label", "title", "sources")}


def test_the_registry_reads_an_interceptor_file(duel, tmp_path, monkeypatch) -> None:
    from duel.scenario import load_scenario
    from duel.scenario.inputs import scenario_inputs
    from duel.scenario.registry import Registry

    path = _interceptor_file(duel, tmp_path)
    base = Registry.default()
    reg = base.with_interceptor_file(path)
    sspk, pac = reg.spec(f"interceptor.{FILE_ID}.sspk"), reg.spec("interceptor.pac-3-mse.sspk")
    assert (sspk.nominal, sspk.low, sspk.high, sspk.status) == (pac.nominal, pac.low, pac.high, "notional")
    assert sspk.label.startswith("My interceptor (example): ")
    # the optional fields the file leaves out take the type-wide defaults, as a catalogue entry's do
    assert reg.spec(f"interceptor.{FILE_ID}.decision_delay_s") == \
        reg.spec("interceptor.pac-3-mse.decision_delay_s").model_copy(update={
            "path": f"interceptor.{FILE_ID}.decision_delay_s",
            "label": reg.spec(f"interceptor.{FILE_ID}.decision_delay_s").label})
    assert reg.interceptor_id(str(path), "--battery") == reg.interceptor_id(FILE_ID, "--battery") == FILE_ID
    assert reg.interceptor_name(FILE_ID) == "My interceptor (example)"
    assert reg.organic_radar(FILE_ID) == "an-mpq-65"
    assert reg.with_interceptor_file(path) is reg  # the same file twice adds nothing
    assert f"interceptor.{FILE_ID}.sspk" in reg.expand("interceptor.*.sspk")
    assert f"interceptor.{FILE_ID}.sspk" not in base  # the shipped registry is left as it was
    with pytest.raises(InputError, match="unknown interceptor"):
        base.interceptor_id(FILE_ID, "--battery")
    # a scenario's battery type is a path relative to the folder duel runs in, as a missile file's is
    monkeypatch.chdir(tmp_path)
    inputs = scenario_inputs(load_scenario(_scenario(tmp_path, path.name, "relative.toml")))
    assert inputs[f"interceptor.{FILE_ID}.max_ground_range_km"] == 40.0


def test_interceptor_file_in_a_scenario_duels_as_its_catalogue_entry(duel, tmp_path) -> None:
    file = _interceptor_file(duel, tmp_path)
    mine, pac = _scenario(tmp_path, str(file), "mine.toml"), _scenario(tmp_path, "pac-3-mse", "pac.toml")
    r = duel("scenario", "check", str(mine))
    assert r.code == 0 and r.out.startswith(f"ok: {mine}"), r.err
    runs = {}
    for sc in (mine, pac):
        r = duel("run", str(sc), "--trials", "20", "--format", "json", "--out", str(tmp_path / sc.stem))
        assert r.code == 0, r.err
        runs[sc.stem] = r.json()
    (b_file,), (b_pac,) = runs["mine"]["batteries"], runs["pac"]["batteries"]
    assert b_file["type"] == FILE_ID and b_file["label"] == f"{file}@kyiv"
    assert b_file["windows"], "the comparison needs a window"
    assert b_file["windows"] == b_pac["windows"] and _without_type(b_file) == _without_type(b_pac)
    nominal = {k: [{**ly, "battery": None} for ly in v] if k == "layers" else v
               for k, v in runs["mine"]["nominal"].items()}
    assert nominal == {k: [{**ly, "battery": None} for ly in v] if k == "layers" else v
                       for k, v in runs["pac"]["nominal"].items()}
    assert nominal["layers"] and 0.0 < nominal["p_at_least_one_stopped"]
    numbers = {n["path"]: n for n in runs["mine"]["numbers"]}
    assert numbers[f"interceptor.{FILE_ID}.sspk"]["status"] == "notional"  # the file's status, reported
    assert f"interceptor.{FILE_ID}.sspk" in runs["mine"]["run"]["uncertain_inputs"]  # its band is drawn


def test_interceptor_file_as_an_engage_battery(duel, tmp_path) -> None:
    file = _interceptor_file(duel, tmp_path)
    out = {}
    for battery in (f"{file}@kyiv", "pac-3-mse@kyiv"):
        r = duel(*ENGAGE, *SEEN_EARLY, "--battery", battery)
        assert r.code == 0, r.err
        out[battery] = r.json()
    (b_file,), (b_pac,) = out[f"{file}@kyiv"]["batteries"], out["pac-3-mse@kyiv"]["batteries"]
    assert b_file["type"] == FILE_ID and b_file["windows"]
    assert b_file["windows"] == b_pac["windows"] and _without_type(b_file) == _without_type(b_pac)
    assert out[f"{file}@kyiv"]["raid"]["p_zero_leakers"] == out["pac-3-mse@kyiv"]["raid"]["p_zero_leakers"]
    # the file's own numbers are used: a lower ceiling shortens the window, --set reaches the file's inputs
    low = _interceptor_file(duel, tmp_path, "low.toml", "my-low", (
        "max_intercept_altitude_km = { nominal = 25.0, low = 20.0",
        "max_intercept_altitude_km = { nominal = 4.0, low = 4.0"))
    r = duel(*ENGAGE, *SEEN_EARLY, "--battery", f"{low}@kyiv")
    assert r.code == 0, r.err
    (b_low,) = r.json()["batteries"]
    assert b_low["envelope"]["max_alt_km"] == 4.0
    assert b_low["windows"][0]["alt_first_km"] < b_pac["windows"][0]["alt_first_km"]
    r = duel(*ENGAGE, *SEEN_EARLY, "--battery", f"{file}@kyiv", "--set", f"interceptor.{FILE_ID}.sspk=0.5")
    assert r.code == 0, r.err
    assert r.json()["batteries"][0]["sspk"] == 0.5


@pytest.mark.parametrize("case, expected", [
    ("unknown", "file not found: {file}"),
    ("catalogue id", "{name} defines 'pac-3-mse', which is a catalogue interceptor; give it another id"),
    ("missing field", f"catalog {{name}}: {FILE_ID}.sspk: required key missing"),
])
@pytest.mark.parametrize("how", ["scenario", "engage"])
def test_a_bad_interceptor_file_is_one_line_and_exit_2(duel, tmp_path, case: str, expected: str, how: str) -> None:
    if case == "unknown":
        file = tmp_path / "nope.toml"
    elif case == "catalogue id":
        file = _interceptor_file(duel, tmp_path, tid="pac-3-mse")
    else:
        file = tmp_path / "my-pac.toml"
        file.write_text(_without(template_text("interceptor"), "sspk").replace(f"[{INTERCEPTOR_ID}]", f"[{FILE_ID}]"),
                        encoding="utf-8")
    if how == "scenario":
        sc = _scenario(tmp_path, str(file), "mine.toml")
        r, where = duel("scenario", "check", str(sc)), f"{sc}: batteries[0].type"
    else:
        r, where = duel(*ENGAGE, "--battery", f"{file}@kyiv"), "--battery"
    assert r.code == 2 and "Traceback" not in r.err
    (line,) = r.err.splitlines()
    assert line == f"error: {where}: " + expected.format(file=file, name=file.name)
