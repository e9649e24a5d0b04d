"""Physical constants used in more than one model (SI units), each defined once."""

G0_M_S2 = 9.80665
"""Standard gravity (m/s^2): defines specific impulse (ISO 80000-3) and the US76 geopotential."""

P0_PA = 101_325.0
"""Sea-level pressure of the US Standard Atmosphere 1976 (Pa)."""

MEAN_EARTH_RADIUS_M = 6_371_000.0
"""Mean Earth radius (m): the validation sphere, the 4/3 effective Earth of radar line of sight and the fly-out
chord."""
