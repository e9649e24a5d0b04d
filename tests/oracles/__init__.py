"""Independent reference implementations kept only as test oracles (never imported by the package)."""
