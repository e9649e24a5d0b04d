"""Assemble docs/physics.md, docs/validation.md, docs/catalog.md from the per-topic sources in docs/parts/.

Run by hand after editing a source: `python scripts/assemble_docs.py`. Each topic keeps its text in one file
under docs/parts/ (written with the code it documents); this script only concatenates and re-levels headings.
"""

from __future__ import annotations

import re
from pathlib import Path

D = Path(__file__).resolve().parent.parent / "docs"
S = D / "parts"


def read(name: str) -> str:
    return (S / name).read_text(encoding="utf-8")


def section(text: str, start: str, end: str | None = None) -> str:
    i = text.index(start)
    j = text.index(end, i + len(start)) if end else len(text)
    return text[i:j].rstrip() + "\n"


def demote(text: str, levels: int = 1) -> str:
    return re.sub(r"^(#+) ", lambda m: "#" * (len(m.group(1)) + levels) + " ", text, flags=re.M)


def main() -> None:
    flight, atm, raid, eng = read("flight.md"), read("atmosphere.md"), read("raid.md"), read("engagement.md")
    i = flight.index("## Vehicles")
    atm_phys = section(atm, "## For docs/physics.md: the atmosphere", "## For docs/validation.md").replace(
        "## For docs/physics.md: the atmosphere", "## The atmosphere (`duel/atmosphere.py`)")
    eng_phys = demote(section(eng, "## The flow", "## Validation"))
    engine_phys = demote(section(read("engine.md"), "# The batch engine", "## Validation")).replace("\n### Model\n\n", "\n")
    raid_phys = demote(section(raid, "## Notation", "## API"))
    physics = (
        "# duel — physics\n\nEquations, frames, assumptions and numerical methods. Every real-world number comes "
        "from the catalogue (`docs/catalog.md`); each model's check against a reference is in "
        "`docs/validation.md`.\n\n"
        + flight[:i] + atm_phys + "\n" + flight[i:]
        + "\n## Defence: sensors, the notice, batteries and engagement windows (`duel/defence/`)\n\n" + eng_phys
        + "\n## Raid outcome (`duel/defence/raid.py`)\n\nWilkening's closed forms and a seeded Monte Carlo with "
        "shared magazines and fire channels.\n\n" + raid_phys
        + "\n" + read("run.md")
        + "\n" + engine_phys
        + "\n" + demote(section(read("dispersion.md"), "## Model", "## Measurements")).replace(
            "### Model (notional)", "## Threat dispersion and full duel trials (`duel/dispersion.py`)\n\n### Model (notional)")
        + "\n## The launch-notification exchange\n\nSee `docs/notify.md` (messages, trust, storage, transports, "
        "the scenario hook).\n"
    )
    (D / "physics.md").write_text(physics, encoding="utf-8")

    atm_val = section(atm, "## For docs/validation.md: rows").replace("## For docs/validation.md: rows", "## Atmosphere")
    raid_val = demote(section(raid, "## Validation", "## Speed")).replace("### Validation", "## Raid outcome")
    eng_val = section(eng, "## Validation", "## Example").replace("## Validation", "## Engagement model")
    notify_val = section(read("notify.md"), "## Validation", "## Throughput").replace(
        "## Validation", "## Launch-notification exchange")
    validation = (
        "# duel — validation\n\nEach model against an independent reference: the check, the reference and the "
        "result. Every row is a test in `tests/` unless it says benchmark.\n\n"
        + read("flight-validation.md") + "\n" + atm_val + "\n" + eng_val + "\n" + raid_val + "\n"
        + read("run-validation.md") + "\n"
        + section(read("engine.md"), "## Validation").replace("## Validation", "## Batch engine", 1) + "\n" + notify_val
    )
    (D / "validation.md").write_text(validation, encoding="utf-8")

    inter = read("interceptors.md").replace("# Interceptor and sensor catalogue (draft)", "## Interceptors and sensors")
    inter = re.sub(r"^## (?!Interceptors and sensors)", "### ", inter, flags=re.M)
    (D / "catalog.md").write_text(read("catalog.md").rstrip() + "\n\n" + inter, encoding="utf-8")
    (D / "report.md").write_text(read("report.md"), encoding="utf-8")
    (D / "notify.md").write_text(read("notify.md"), encoding="utf-8")


if __name__ == "__main__":
    main()
