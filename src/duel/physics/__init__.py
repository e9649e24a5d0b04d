"""The lowest floor: the Earth (WGS84 figure, gravity, frames, geodesics), the US Standard Atmosphere 1976 and
physical constants. Imports nothing else from duel."""
