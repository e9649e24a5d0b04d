"""The local duel server: the page at ``/`` (static files; Leaflet and topojson-client vendored from npm under
``static/vendor``, the borders the report's) and its JSON API (FastAPI; OpenAPI docs at ``/docs``). No physics: every request goes
through the scenario schema, the input registry and :func:`duel.pipeline.run_scenario`, as the CLI does.

    GET  /api/health                       {"ok": true}
    GET  /api/catalog/{kind}               missiles, places, interceptors, sensors: [{id, name, ...}]
    GET  /api/inputs?grep=TEXT             the input registry: [{path, label, unit, value, band, status, ...}]
    GET  /api/scenarios                    the shipped scenarios: [{name, title}]
    GET  /api/scenarios/{name}[?format=json]   one shipped scenario's TOML text (or its tables as JSON)
    POST /api/parse      {toml, sets}      the scenario's tables as JSON, once it validates | 422 {error}
    POST /api/validate   {toml, sets}      200 {ok, name, title, missile, launch, target, batteries (resolved)} | 422
    POST /api/runs       {toml, sets, seed, trials}   202 {id, state, ...} | 422 {error}
    GET  /api/runs/{id}                    {id, state, progress: {done, total}, error, seconds} | 404
    GET  /api/runs/{id}/result             result.json when done | 409 not yet | 404
    GET  /api/runs/{id}/report             report.html when done | 409 | 404
    GET  /api/runs/{id}/decides            what decides the answer: {words, inputs: [registry row + total, conf]}
    GET  /api/runs/{id}/figures            the report's figures when done: [{id, url}] in the report's order
    GET  /api/runs/{id}/figures/{name}     one figure (SVG, the report's own: hover texts with values and units)

Errors are one line in ``{"error": "..."}`` (the CLI's message). Request bodies over ``max_body_bytes`` are
refused with 413 before the app reads them; every response carries a Content-Security-Policy that allows
only the server's own origin.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, PlainTextResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from duel.catalog.loading import KINDS
from duel.errors import InputError
from duel.scenario.loading import read_toml_text
from duel.web.runs import Run, RunManager

__all__ = ["MAX_BODY_BYTES", "create_app"]

MAX_BODY_BYTES = 1_000_000


def shipped_scenarios() -> dict[str, Path]:
    """The scenarios the page offers: ``scenarios/*.toml`` in the folder the server runs in, else in the source
    checkout this package was installed from (editable installs)."""
    for folder in (Path.cwd() / "scenarios", Path(__file__).parents[3] / "scenarios"):
        if folder.is_dir():
            return {p.stem: p for p in sorted(folder.glob("*.toml"))}
    return {}

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "object-src 'none'; base-uri 'none'; frame-ancestors 'none'")
REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'"
STATIC = Path(__file__).parent / "static"
BORDERS = Path(__file__).parents[1] / "report" / "assets" / "countries-50m.json"
CATALOG_KINDS = tuple(k for k in KINDS if k != "sources")


class ScenarioText(BaseModel):
    """A scenario as TOML text, with optional ``PATH=VALUE`` overrides of model inputs."""

    toml: str = Field(description="the scenario file's text (TOML)")
    sets: list[str] = Field(default_factory=list, description="PATH=VALUE overrides, as `--set`")


class RunRequest(ScenarioText):
    """A run: the scenario, and optionally the seed and the number of draws (default: the scenario's)."""

    seed: int | None = Field(default=None, ge=0)
    trials: int | None = Field(default=None, ge=1, le=100_000)


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": " ".join(message.split())}, status_code=status)


def parse_scenario_text(text: str, sets: list[str]) -> tuple[Any, Any]:
    """The validated scenario of a TOML text and its :class:`~duel.pipeline.resolve.Setup` (schema, places, batteries, inputs, distributions: what ``duel
    scenario check`` checks); raises :class:`InputError` with the CLI's one-line message. Files named in the
    scenario (a missile or interceptor ``.toml``) are refused: the server reads no client path."""
    from duel.pipeline import check_scenario
    from duel.scenario import parse_scenario

    sc = parse_scenario(read_toml_text(text, "scenario"), "scenario")
    named = [("threat.missile", sc.threat.missile)] + [(f"batteries[{i}].type", b.type.split("@", 1)[0])
                                                       for i, b in enumerate(sc.batteries)]
    for where, value in named:
        if value.strip().lower().endswith(".toml"):
            raise InputError(f"{where}: the web server reads no files ({value!r}); use a catalogue id")
    return sc, check_scenario(sc, sets)


def create_app(manager: RunManager | None = None, max_body_bytes: int = MAX_BODY_BYTES) -> FastAPI:
    """The API application; ``manager`` runs the duels (default: 2 workers, 300 s per run)."""
    runs = manager or RunManager()

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        runs.shutdown()  # kill what still runs, remove every run's folder

    app = FastAPI(title="duel", description="Set up, run and compare duels: the pipeline the CLI calls.",
                  version="1", lifespan=lifespan)
    app.state.runs = runs

    @app.middleware("http")
    async def limits_and_headers(request: Request, call_next: Callable[[Request], Awaitable[Any]]) -> Any:
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > max_body_bytes):
            return _error(413, f"request body over {max_body_bytes:,} bytes")
        if length is None and request.method in ("POST", "PUT", "PATCH"):
            body = b""
            async for chunk in request.stream():
                body += chunk
                if len(body) > max_body_bytes:
                    return _error(413, f"request body over {max_body_bytes:,} bytes")
            request._body = body  # read once here; the endpoint reads this copy
        response = await call_next(request)
        # the offline report is one self-contained file with its own styles (no scripts): it may use them
        report = request.url.path.endswith("/report")
        response.headers["Content-Security-Policy"] = REPORT_CSP if report else CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response

    @app.exception_handler(InputError)
    async def input_error(_: Request, exc: InputError) -> JSONResponse:
        return _error(422, str(exc))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:  # e.g. an unknown path: 404
        return _error(exc.status_code, f"{request.url.path}: {exc.detail}")

    @app.exception_handler(RequestValidationError)
    async def bad_request(_: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
        where = ".".join(str(x) for x in first.get("loc", ()) if x != "body") or "request"
        return _error(422, f"{where}: {first.get('msg', 'invalid')}")

    @app.get("/", include_in_schema=False)
    def page() -> FileResponse:
        return FileResponse(STATIC / "index.html", media_type="text/html")

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> Response:
        return Response(status_code=204)

    @app.get("/static/countries-50m.json", include_in_schema=False)
    def borders() -> FileResponse:
        return FileResponse(BORDERS, media_type="application/json")

    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/api/health")
    def health() -> dict[str, bool]:
        return {"ok": True}

    @app.get("/api/catalog/{kind}")
    def catalog(kind: str) -> Any:
        from duel.catalog.lookups import load_catalog

        if kind not in CATALOG_KINDS:
            return _error(404, f"catalogue kind {kind!r}: one of {', '.join(CATALOG_KINDS)}")
        return [{"id": eid, **rec.model_dump(mode="json")} for eid, rec in load_catalog().records(kind).items()]

    @app.get("/api/inputs")
    def inputs(grep: str | None = None) -> Any:
        from duel.scenario.registry import Registry

        return [spec.row() for spec in Registry.default().specs(grep)]

    @app.get("/api/scenarios")
    def scenarios() -> Any:
        out = []
        for name, path in shipped_scenarios().items():
            meta = read_toml_text(path.read_text(encoding="utf-8"), name).get("scenario", {})
            out.append({"name": name, "title": meta.get("title", name)})
        return out

    @app.get("/api/scenarios/{name}", response_class=PlainTextResponse)
    def scenario(name: str, format: str = "toml") -> Any:
        shipped = shipped_scenarios()
        if name not in shipped:
            return _error(404, f"scenario {name!r}: one of {', '.join(sorted(shipped))}")
        text = shipped[name].read_text(encoding="utf-8")
        if format == "json":
            return JSONResponse(read_toml_text(text, name))
        return PlainTextResponse(text, media_type="text/plain")

    @app.post("/api/parse")
    def parse(body: ScenarioText) -> Any:
        """A scenario's TOML text as JSON (its tables), once it validates."""
        parse_scenario_text(body.toml, body.sets)
        return read_toml_text(body.toml, "scenario")

    @app.post("/api/validate")
    def validate(body: ScenarioText) -> Any:
        """What the scenario resolves to: the places and every battery where the pipeline puts it (the page
        draws these; it computes no position itself), with the nominal ground range of its interceptor."""
        sc, setup = parse_scenario_text(body.toml, body.sets)
        place = lambda p: {"name": p.name, "lat_deg": p.lat_deg, "lon_deg": p.lon_deg}  # noqa: E731
        return {"ok": True, "name": sc.scenario.name, "title": sc.scenario.title, "missile": sc.threat.missile,
                "launch": place(setup.launch), "target": place(setup.target),
                "batteries": [{"type": b.type.id, "name": b.type.name, "label": b.label, "lat_deg": b.lat_deg,
                               "lon_deg": b.lon_deg, "reach_km": b.type.max_range_m / 1e3}
                              for b in setup.defence.batteries]}

    @app.post("/api/runs", status_code=202)
    def start(body: RunRequest) -> Any:
        sc, _ = parse_scenario_text(body.toml, body.sets)
        return runs.submit(sc, body.trials, body.seed, body.sets).status()

    @app.get("/api/runs/{rid}")
    def status(rid: str) -> Any:
        run = runs.get(rid)
        return _error(404, f"run {rid!r}: no such run") if run is None else run.status()

    def _done(rid: str) -> Run | JSONResponse:
        """Run ``rid`` once it is done, else the error (404 unknown, 409 not done)."""
        run = runs.get(rid)
        if run is None:
            return _error(404, f"run {rid!r}: no such run")
        if run.state != "done":
            return _error(409, f"run {rid!r} is {run.state}" + (f": {run.error}" if run.error else ""))
        return run

    def _file(rid: str, name: str, media: str) -> Any:
        run = _done(rid)
        return run if isinstance(run, JSONResponse) else FileResponse(run.folder / name, media_type=media)

    @app.get("/api/runs/{rid}/result")
    def result(rid: str) -> Any:
        return _file(rid, "result.json", "application/json")

    @app.get("/api/runs/{rid}/report")
    def report(rid: str) -> Any:
        return _file(rid, "report.html", "text/html")

    def _figure_names(rid: str) -> list[str] | JSONResponse:
        """The names of run ``rid``'s figures (``figures/<name>.svg``) in the report's order, or the error."""
        run = _done(rid)
        if isinstance(run, JSONResponse):
            return run
        from duel.report.build import figure_builders, figure_file

        result = json.loads((run.folder / "result.json").read_text(encoding="utf-8"))
        return [fid.removeprefix("fig-") for fid in figure_builders(result)
                if (run.folder / figure_file(fid)).is_file()]

    @app.get("/api/runs/{rid}/decides")
    def decides(rid: str, most: int = 4) -> Any:
        """What decides the run's answer: the report's sentence and the highest-ranked inputs with their
        registry rows (unit, nominal, band, status, choices: what the page's sliders need)."""
        run = _done(rid)
        if isinstance(run, JSONResponse):
            return run
        from duel.report.build import deciding_inputs, deciding_words
        from duel.scenario.inputs import scenario_inputs

        sens = json.loads((run.folder / "result.json").read_text(encoding="utf-8"))["sensitivity"]
        registry = scenario_inputs(run.scenario).registry
        return {"words": deciding_words(sens),
                "inputs": [{**registry.spec(r["path"]).row(), "total": r["total"], "conf": r["conf"]}
                           for r in deciding_inputs(sens)[:max(1, min(most, 12))]]}

    @app.get("/api/runs/{rid}/figures")
    def figure_list(rid: str) -> Any:
        names = _figure_names(rid)
        return names if isinstance(names, JSONResponse) else \
            [{"id": name, "url": f"/api/runs/{rid}/figures/{name}"} for name in names]

    @app.get("/api/runs/{rid}/figures/{name}")
    def figure(rid: str, name: str) -> Any:
        names = _figure_names(rid)
        if isinstance(names, JSONResponse):
            return names
        if name not in names:  # only the run's own figures: no name reaches the file system unchecked
            return _error(404, f"figure {name!r}: one of {', '.join(names)}")
        from duel.report.build import figure_file

        return _file(rid, figure_file(f"fig-{name}"), "image/svg+xml")

    return app
