"""duel: open, transparent physics for the proposed IRBM "high-tech duel".

Trajectories of public-parameter ballistic missiles on a rotating WGS84 Earth, defence timelines and
intercept probabilities, every real-world number traced to a cited source in the data catalogue.
Scope: textbook physics and public estimates; no guidance laws, evasion or damage models.
"""

__version__ = "0.1.0"
