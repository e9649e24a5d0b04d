"""`duel engage` (stub, being written)."""
HELP = "Engagement windows (being written)."


def engage() -> None:
    """Stub."""
