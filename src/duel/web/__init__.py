"""The duel in a browser: a local server (FastAPI + uvicorn) whose JSON API sets up, validates and runs duels
through the same pipeline as the CLI (:mod:`duel.web.app`), with runs in a bounded pool of worker processes
(:mod:`duel.web.runs`). No physics here."""
