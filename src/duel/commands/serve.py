"""``duel serve``: the local web server (JSON API now; the page follows) on 127.0.0.1 by default."""

from __future__ import annotations

import ipaddress
import sys
from typing import Annotated

import typer

HELP = """Start the local duel server and print its address.

The JSON API under /api/ (OpenAPI docs at /docs) lists the catalogue, the inputs and the shipped scenarios,
validates a scenario (the CLI's one-line errors, as JSON) and runs duels in a bounded pool of worker processes
(--workers at once, each stopped after --time-limit seconds), with progress, result.json and report.html.

It listens on 127.0.0.1 (this machine only). To let others on a network reach it (a class on a shared machine),
say --host 0.0.0.0 or an address: anyone who can reach the port can then run duels on this machine, and a
warning says so.

Examples:

  duel serve

  duel serve --port 8800 --open

  curl -s localhost:8750/api/scenarios
"""


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def serve(
    port: Annotated[int, typer.Option("--port", help="TCP port.")] = 8750,
    host: Annotated[str, typer.Option("--host", help="Address to listen on (default: this machine only).")] = "127.0.0.1",
    open_: Annotated[bool, typer.Option("--open", help="Open the default browser at the address.")] = False,
    workers: Annotated[int, typer.Option("--workers", help="Duels that run at once (one process each).")] = 2,
    time_limit: Annotated[float, typer.Option("--time-limit", help="Seconds a duel may run before it is stopped.")] = 300.0,
) -> None:
    """Start the local server (see HELP)."""
    from duel.errors import InputError

    if not 0 < port < 65536:
        raise InputError(f"--port: must be 1-65535, got {port}")
    if workers < 1:
        raise InputError(f"--workers: must be >= 1, got {workers}")
    if not time_limit > 0:
        raise InputError(f"--time-limit: must be > 0 s, got {time_limit:g}")
    try:
        import uvicorn

        from duel.web.app import create_app
        from duel.web.runs import RunManager
    except ImportError as exc:
        raise InputError(f"duel serve needs the web extra: pip install '.[web]' ({exc.name} is missing)") from None
    if not _is_loopback(host):
        print(f"warning: --host {host}: anyone who can reach port {port} on this network can run duels on this "
              "machine; use it only on a network you trust", file=sys.stderr, flush=True)
    address = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}/"
    print(f"duel serve: {address} (API docs {address}docs); Ctrl-C stops it", flush=True)
    if open_:
        import webbrowser

        webbrowser.open(address)
    app = create_app(RunManager(workers=workers, time_limit_s=time_limit))
    uvicorn.run(app, host=host, port=port, log_level="warning", limit_concurrency=64, timeout_keep_alive=5,
                h11_max_incomplete_event_size=64 * 1024)
