"""The notebook tour (examples/tour.ipynb): kept in git without outputs, and it runs from top to bottom."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import optional_module

TOUR = Path(__file__).resolve().parents[1] / "examples" / "tour.ipynb"


def test_the_tour_is_kept_without_outputs() -> None:
    nb = json.loads(TOUR.read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert code and all(c["outputs"] == [] and c["execution_count"] is None for c in code)


def test_the_tour_runs_and_shows_the_verdict_the_figures_and_the_map() -> None:
    nbformat = optional_module("nbformat")
    nbclient = optional_module("nbclient")
    optional_module("ipykernel")
    nb = nbformat.read(str(TOUR), as_version=4)
    nbclient.NotebookClient(nb, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(TOUR.parent)}}).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert "p_all_stopped: median" in text and "90 % range across the assumptions" in text
    assert "first-order share" in text
    assert "['launch', 'fastest_min', 'slowest_min']" in text and "('kapustin-yar'," in text and "('krichev'," in text
    images = [o for o in outputs if o.output_type in ("display_data", "execute_result")]
    svgs = [o.data["image/svg+xml"] for o in images if "image/svg+xml" in o.data]
    assert len(svgs) == 3 and all("<svg" in s for s in svgs)  # the timeline, the sensitivity and the map
