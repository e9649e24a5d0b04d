"""Generate ``src/duel/physics/us76_upper.csv``: the U.S. Standard Atmosphere 1976 from 86 to 1000 km.

Run once by a developer, in an environment that has the PyPI package ``ussa1976`` (the ``test`` extra)::

    python scripts/make_us76_table.py

The table holds geometric altitude (km), density (kg/m^3), pressure (Pa) and kinetic temperature (K) every
0.5 km from 86 to 200 km and every 5 km from 200 to 1000 km. ``duel.physics.atmosphere`` interpolates it
log-linearly in density and pressure and linearly in temperature; with this spacing that interpolation
stays within 7e-4 (density), 5e-4 (pressure) and 0.16 K of ``ussa1976`` between the nodes.

Source: *U.S. Standard Atmosphere, 1976*, NOAA-S/T 76-1562, as computed by ``ussa1976``
(https://github.com/rayference/ussa1976), which integrates the document's diffusion equations.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import ussa1976

OUT = Path(__file__).resolve().parents[1] / "src" / "duel" / "physics" / "us76_upper.csv"
HEADER = "altitude_km,density_kg_m3,pressure_pa,temperature_k"


def altitudes_km() -> np.ndarray:
    """Table nodes (km): every 0.5 km from 86 to 200 km, then every 5 km to 1000 km."""
    return np.concatenate([np.arange(86.0, 200.0, 0.5), np.arange(200.0, 1000.0 + 1e-9, 5.0)])


def main() -> None:
    z_km = altitudes_km()
    ds = ussa1976.compute(z=z_km * 1e3, variables=["rho", "p", "t"])
    rows = np.column_stack([z_km, ds["rho"].values, ds["p"].values, ds["t"].values])
    if not np.all(np.isfinite(rows)) or np.any(rows[:, 1:] <= 0.0):
        raise SystemExit("ussa1976 returned non-finite or non-positive values")
    lines = [
        "# U.S. Standard Atmosphere, 1976 (NOAA-S/T 76-1562), 86-1000 km geometric altitude.",
        f"# Computed by ussa1976 {ussa1976.__version__} via scripts/make_us76_table.py; do not edit by hand.",
        HEADER,
    ]
    lines += [f"{z:.1f},{rho:.9e},{p:.9e},{t:.6f}" for z, rho, p, t in rows]
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {len(rows)} rows to {OUT}")


if __name__ == "__main__":
    main()
