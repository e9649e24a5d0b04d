"""Which grid points lie inside a country of the vendored Natural Earth borders (:mod:`duel.report.worldmap`).

A point is inside when it lies inside an odd number of the country's rings (even-odd rule, so holes count),
tested with matplotlib's ``Path.contains_points`` in plate carrée degrees. The borders are Natural Earth's
1:50m de facto lines as drawn there in 2018: Crimea, for one, is drawn on the Russian side, so a grid clipped to
"Ukraine" leaves it out (say so where it matters, or give the grid without ``country``).
"""

from __future__ import annotations

import numpy as np

from duel.errors import InputError, suggest


def country_names() -> list[str]:
    """The names of the atlas' countries."""
    from duel.report.worldmap import atlas

    return sorted({name for name, _, _ in atlas().countries if name})


def inside_country(name: str, lat_deg: np.ndarray, lon_deg: np.ndarray, where: str) -> np.ndarray:
    """Boolean mask of the points (degrees) inside country ``name`` (case-insensitive); an unknown name is an
    :class:`~duel.errors.InputError` naming ``where`` and close names."""
    from matplotlib.path import Path

    from duel.report.worldmap import atlas

    rings = [r for n, _, rs in atlas().countries if n.lower() == name.strip().lower() for r in rs]
    if not rings:
        raise InputError(f"{where}: {suggest(name, country_names(), 'country')}")
    pts = np.column_stack([np.asarray(lon_deg, float), np.asarray(lat_deg, float)])
    count = np.zeros(len(pts), dtype=int)
    for ring in rings:
        count += Path(ring).contains_points(pts)
    return count % 2 == 1
