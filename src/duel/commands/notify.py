"""`duel notify ...`: the launch-notification exchange (exercise messages only).

Thin: option checks, then calls into :mod:`duel.notify`. Only typer is imported at module level;
cryptography, sqlite, numpy and the HTTP server are imported inside the commands so that ``duel --help``
stays fast.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from duel.commands.units import unit_option

HELP = (
    "Launch-notification exchange: signed (Ed25519, pinned keys), acknowledged, deduplicated and logged "
    "exercise notices, over a simulated faulty link or HTTP on 127.0.0.1.\n\n"
    "Examples:\n\n"
    "  duel notify keygen --home ex --party RU\n\n"
    "  duel notify serve --home ex --party US --port 8701\n\n"
    "  duel notify send --home ex --party RU --to US --url http://127.0.0.1:8701 --class IRBM\n\n"
    "  duel notify simulate --drop 0.3 --duplicate 0.2 --reorder --retries 3 --trials 2000 --seed 1 --format json\n\n"
    "  duel notify log verify --home ex --party US\n\n"
    "  duel notify export --cap --home ex --party RU --id ID"
)

app = typer.Typer(help=HELP, no_args_is_help=True, add_completion=False)
log_app = typer.Typer(help="The append-only, hash-chained log of a party's exchange.\n\nExamples:\n\n"
                           "  duel notify log verify --home ex --party US\n\n"
                           "  duel notify log verify --home ex --party RU",
                      no_args_is_help=True, add_completion=False)
app.add_typer(log_app, name="log")

HomeOpt = Annotated[Path, typer.Option("--home", help="Directory with the keyring, <party>.key and <party>.db.")]
PartyOpt = Annotated[str, typer.Option("--party", help="This party's name.")]
KeyringOpt = Annotated[Path | None, typer.Option("--keyring", help="Pinned keyring (default <home>/keyring.json).")]
FormatOpt = Annotated[str, typer.Option("--format", help="table or json.")]


def _err(text: str) -> Exception:
    from duel.errors import InputError

    return InputError(text)


def _prob(option: str, x: float) -> None:
    if not 0.0 <= x <= 1.0:
        raise _err(f"{option}: must be a probability in [0, 1], got {x:g}")


def _at_least(option: str, x: float, lo: float, hi: float = 1e9) -> None:
    """``x`` must be a finite number in [lo, hi] (hi: far beyond any use, and inside every clock's range)."""
    if not lo <= x <= hi:
        raise _err(f"{option}: must be a number from {lo:g} to {hi:g}, got {x:g}")


def _fmt(fmt: str) -> None:
    if fmt not in ("table", "json"):
        raise _err(f"--format: must be 'table' or 'json', got '{fmt}'")


def _emit(obj: dict[str, Any], fmt: str) -> None:
    if fmt == "json":
        print(json.dumps(obj, indent=1))
    else:
        for k, v in obj.items():
            print(f"{k:28s} {v if not isinstance(v, dict | list) else json.dumps(v)}")


def _policy(ack_timeout: float, retries: int, max_backoff: float = 60.0) -> Any:
    from duel.notify.party import Policy

    _at_least("--ack-timeout", ack_timeout, 0.01)
    _at_least("--retries", retries, 0)
    _at_least("--max-backoff", max_backoff, ack_timeout)
    return Policy(retries=retries, first_timeout_s=ack_timeout, max_timeout_s=max_backoff)


@app.command("keygen")
def keygen(home: HomeOpt, party: PartyOpt, keyring: KeyringOpt = None) -> None:
    """Generate PARTY's Ed25519 key (<home>/<party>.key) and pin it in the keyring; a party that has a key
    is rotated: the old key stays valid for messages sent before now.

    Examples:

      duel notify keygen --home ex --party RU

      duel notify keygen --home ex --party US --keyring ex/keyring.json
    """
    import time

    from duel.notify.home import check_party, keyring_path
    from duel.notify.keys import Keyring, Signer

    check_party(party)
    try:
        home.mkdir(mode=0o700, parents=True, exist_ok=True)  # a new home is private
    except OSError as exc:
        raise _err(f"--home: cannot create '{home}': {exc.strerror}") from None
    if not home.is_dir():
        raise _err(f"--home: '{home}' is not a directory")
    path = keyring_path(home, keyring)
    ring = Keyring.load(path) if path.exists() else Keyring()
    old = [e.key_id for e in ring.parties.get(party, []) if e.valid_until is None]
    signer = Signer.generate(party)
    ring.add(party, signer.public_raw, time.time())
    signer.save(home / f"{party}.key")
    ring.save(path)
    print(json.dumps({"party": party, "key_id": signer.key_id, "rotated": old, "keyring": str(path)}))


@app.command("revoke")
def revoke(home: HomeOpt, party: PartyOpt,
           key_id: Annotated[str, typer.Option("--key-id", help="The key to revoke.")],
           keyring: KeyringOpt = None) -> None:
    """Revoke one of PARTY's keys in the keyring: nothing signed with it verifies any more.

    Examples:

      duel notify revoke --home ex --party RU --key-id KEY_ID

      duel notify revoke --home ex --party RU --key-id KEY_ID --keyring ex/keyring.json
    """
    from duel.notify.home import check_party, keyring_path
    from duel.notify.keys import Keyring

    check_party(party)
    path = keyring_path(home, keyring)
    ring = Keyring.load(path)
    ring.revoke(party, key_id)
    ring.save(path)
    print(json.dumps({"party": party, "revoked": key_id}))


def _area(option: str, text: str | None, desc: str) -> dict[str, Any] | None:
    if text is None:
        return None
    try:
        lat, lon, km = (float(x) for x in text.split(","))
    except ValueError:
        raise _err(f"{option}: must be LAT_DEG,LON_DEG,RADIUS_KM, got '{text}'") from None
    if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0 and 0.0 < km <= 20_000.0):
        raise _err(f"{option}: needs a latitude in [-90, 90], a longitude in [-180, 180] and a radius in "
                   f"(0, 20000] km, got '{text}'")
    return {"desc": desc, "circle": {"lat_deg": lat, "lon_deg": lon, "radius_m": km * 1000.0}}


def _peers(peer: list[str]) -> dict[str, str]:
    from duel.notify.home import check_party
    from duel.notify.httpapi import check_url

    out = {}
    for p in peer:
        name, sep, url = p.partition("=")
        if not sep:
            raise _err(f"--peer: must be NAME=http://127.0.0.1:PORT, got '{p}'")
        out[check_party(name, "--peer")] = check_url(url, "--peer")
    return out


@app.command("send")
def send(
    home: HomeOpt,
    party: PartyOpt,
    to: Annotated[str, typer.Option("--to", help="Recipient party.")],
    url: Annotated[str | None, typer.Option("--url", help="Deliver now to http://127.0.0.1:PORT (else only queue "
                                                         "it for this party's server).")] = None,
    kind: Annotated[str, typer.Option("--type", help="NOTIFY, UPDATE, CANCEL or POST_LAUNCH.")] = "NOTIFY",
    references: Annotated[str | None, typer.Option("--references", help="UPDATE/CANCEL/POST_LAUNCH: id of "
                                                                      "this party's NOTIFY.")] = None,
    regime: Annotated[str, typer.Option("--regime", help="bmlna-1988, goodwill, hcoc, ...")] = "goodwill",
    missile_class: Annotated[str, typer.Option("--class", help="ICBM, SLBM, IRBM, MRBM, SRBM, SLV, unknown.")] = "IRBM",
    count: Annotated[int, typer.Option("--count", help="Number of missiles.")] = 1,
    launch_area: Annotated[str, typer.Option("--launch-area", help="LAT_DEG,LON_DEG,RADIUS_KM.")] = "48.6,45.7,50",
    impact_area: Annotated[str | None, typer.Option("--impact-area", help="LAT_DEG,LON_DEG,RADIUS_KM (optional; "
                                                                        "an area, >= 1 km).")] = None,
    window_start: Annotated[str | None, typer.Option("--window-start", help="UTC YYYY-MM-DDTHH:MM:SSZ (default "
                                                                          "now + 30 min).")] = None,
    window_end: Annotated[str | None, typer.Option("--window-end", help="UTC (default start + 1 h).")] = None,
    launched_at: Annotated[str | None, typer.Option("--launched-at", help="POST_LAUNCH: UTC launch time.")] = None,
    status: Annotated[str, typer.Option("--status", help="Exercise or Test.")] = "Exercise",
    note: Annotated[str, typer.Option("--note", help="Free text.")] = "SIMULATED - duel exercise",
    ack_timeout: Annotated[float, unit_option("--ack-timeout", "s", "First ack timeout, s (then doubling).")] = 5.0,
    retries: Annotated[int, typer.Option("--retries", help="Retries after the first attempt.")] = 5,
    keyring: KeyringOpt = None,
) -> None:
    """Sign and queue a notice from PARTY to --to; with --url deliver it now (retries until acked or alarm).

    Examples:

      duel notify send --home ex --party RU --to US --url http://127.0.0.1:8701 --class IRBM

      duel notify send --home ex --party RU --to US --impact-area 50.45,30.52,50 --window-start 2026-01-08T21:00:00Z

      duel notify send --home ex --party RU --to US --type CANCEL --references ID
    """
    import threading
    import time

    from duel.notify.canonical import fmt_time, parse_time
    from duel.notify.home import check_party, open_party
    from duel.notify.httpapi import check_url, deliver

    check_party(to, "--to")
    if url is not None:
        check_url(url, "--url")
    if kind not in ("NOTIFY", "UPDATE", "CANCEL", "POST_LAUNCH"):
        raise _err(f"--type: must be NOTIFY, UPDATE, CANCEL or POST_LAUNCH, got '{kind}'")
    now = time.time()
    for option, t in (("--window-start", window_start), ("--window-end", window_end), ("--launched-at", launched_at)):
        if t is not None:
            try:
                parse_time(t)
            except ValueError as exc:
                raise _err(f"{option}: {exc}") from None
    start = window_start or fmt_time(now + 1800.0)
    end = window_end or fmt_time(parse_time(start) + 3600.0)
    p = open_party(home, party, keyring, _policy(ack_timeout, retries, max(60.0, ack_timeout)))
    fields: dict[str, Any] = {"type": kind, "recipients": [to], "status": status, "note": note}
    if kind != "CANCEL":
        fields.update(regime=regime, missile_class=missile_class, num_missiles=count,
                      launch_area=_area("--launch-area", launch_area, "launch area"))
        if kind != "POST_LAUNCH":
            fields["window"] = {"start": start, "end": end}
        if impact_area is not None:
            fields["impact_area"] = _area("--impact-area", impact_area, "impact area")
    if kind == "POST_LAUNCH":
        fields["launched_at"] = launched_at or fmt_time(now)
    if kind != "NOTIFY":
        if references is None:
            raise _err(f"--references: {kind} needs the id of this party's NOTIFY")
        row = p.store.db.execute("SELECT body FROM outbox WHERE id=? AND type='NOTIFY'", (references,)).fetchone()
        if row is None:
            raise _err(f"--references: no NOTIFY '{references}' in {party}'s outbox")
        root = json.loads(row[0])
        fields["references"] = [{"sender": root["sender"], "id": root["id"], "sent": root["sent"]}]
    from duel.notify.message import SchemaError

    try:
        m = p.submit(fields, now)
    except SchemaError as exc:
        raise _err(f"{_OPTION_OF.get(exc.field.split('.')[0], '--' + exc.field)}: {exc}") from None
    if url is not None:
        lock = threading.Lock()
        end_by = time.time() + p.policy.last_ack_s() + 5.0
        while p.outbox_states()[m["id"]] in ("queued", "sent") and time.time() < end_by:
            deliver(p, lock, {to: url})
            nxt = p.next_due()
            time.sleep(min(max(0.0, (nxt or time.time()) - time.time()), 0.5) + 0.01)
    state = p.outbox_states()[m["id"]]
    print(json.dumps({"id": m["id"], "seq": m["seq"], "type": kind, "state": state}))
    if state == "alarm":
        sys.exit(1)


_OPTION_OF = {"window": "--window-start/--window-end", "launch_area": "--launch-area", "impact_area": "--impact-area",
              "num_missiles": "--count", "missile_class": "--class", "regime": "--regime", "status": "--status",
              "note": "--note", "launched_at": "--launched-at", "recipients": "--to", "expires": "--window-end"}


@app.command("serve")
def serve(
    home: HomeOpt,
    party: PartyOpt,
    port: Annotated[int, typer.Option("--port", help="TCP port on 127.0.0.1 (0: any free port).")] = 0,
    peer: Annotated[list[str] | None, typer.Option("--peer", help="NAME=http://127.0.0.1:PORT (repeatable).")] = None,
    max_seconds: Annotated[float | None, unit_option("--max-seconds", "s", "Stop by itself after this many s.")] = None,
    ack_timeout: Annotated[float, unit_option("--ack-timeout", "s", "First ack timeout, s (then doubling).")] = 5.0,
    retries: Annotated[int, typer.Option("--retries", help="Retries after the first attempt.")] = 5,
    max_backoff: Annotated[float, unit_option("--max-backoff", "s", "Longest ack timeout, s.")] = 60.0,
    keyring: KeyringOpt = None,
) -> None:
    """Serve PARTY's exchange on 127.0.0.1 (loopback only) and deliver its outbox to the peers.

    Examples:

      duel notify serve --home ex --party US --port 8701

      duel notify serve --home ex --party RU --port 8702 --peer US=http://127.0.0.1:8701 --max-seconds 60
    """
    from duel.notify.home import open_party
    from duel.notify.httpapi import serve as run

    if not 0 <= port <= 65535:
        raise _err(f"--port: must be in [0, 65535], got {port}")
    if max_seconds is not None:
        _at_least("--max-seconds", max_seconds, 0.1)
    peers = _peers(peer or [])
    p = open_party(home, party, keyring, _policy(ack_timeout, retries, max_backoff))
    try:
        run(p, port, peers, max_seconds, on_ready=lambda prt: print(f"listening http://127.0.0.1:{prt}", flush=True))
    except OSError as exc:
        raise _err(f"--port: cannot listen on 127.0.0.1:{port} ({exc.strerror})") from None


@app.command("simulate")
def simulate(
    drop: Annotated[float, typer.Option("--drop", help="Drop probability of each transmission.")] = 0.0,
    duplicate: Annotated[float, typer.Option("--duplicate", help="Probability a transmission arrives twice.")] = 0.0,
    reorder: Annotated[bool, typer.Option("--reorder", metavar="", help="Random extra delay up to 3 s per copy.")] = False,
    update: Annotated[bool, typer.Option("--update", metavar="", help="Also send an UPDATE 1 s after the NOTIFY.")] = False,
    retries: Annotated[int, typer.Option("--retries", help="Retries after the first attempt.")] = 5,
    trials: Annotated[int, typer.Option("--trials", help="Monte Carlo trials (one notice each).")] = 1000,
    seed: Annotated[int, typer.Option("--seed", help="Seed; trial i uses the stream (seed, i).")] = 0,
    fmt: FormatOpt = "table",
) -> None:
    """Monte Carlo of the exchange over the simulated faulty link, against the closed forms.

    Examples:

      duel notify simulate --drop 0.3 --retries 3 --trials 2000

      duel notify simulate --drop 0.3 --duplicate 0.2 --reorder --update --seed 1 --format json
    """
    _prob("--drop", drop)
    _prob("--duplicate", duplicate)
    _at_least("--retries", retries, 0)
    if retries > 50:
        raise _err(f"--retries: at most 50, got {retries}")
    _at_least("--trials", trials, 1)
    _at_least("--seed", seed, 0)
    _fmt(fmt)
    from duel.notify.sim import simulate_exchange

    _emit(simulate_exchange(trials, seed, drop, duplicate, reorder, retries, update), fmt)


@app.command("chain")
def chain(
    lead_time_s: Annotated[float, unit_option("--lead-time-s", "s", "Notice queued this long before launch, s.")],
    apogee_s: Annotated[float, unit_option("--apogee-s", "s", "Apogee, s after launch.")],
    reentry_s: Annotated[float, unit_option("--reentry-s", "s", "Reentry (100 km), s after launch.")],
    impact_s: Annotated[float, unit_option("--impact-s", "s", "Impact, s after launch.")],
    sensor_cue_s: Annotated[float | None, unit_option("--sensor-cue-s", "s", "Sensors inform the defender, s "
                                                                            "after launch.")] = None,
    relay_probability: Annotated[float | None, typer.Option("--relay-probability", help="Share of notices relayed "
                                                                                        "to the defender (default: the notional input notice.exchange.relay_probability).")] = None,
    drop: Annotated[float | None, typer.Option("--drop", help="Drop probability of each transmission (default: notice.exchange.drop).")] = None,
    retries: Annotated[int | None, typer.Option("--retries", help="Retries after the first attempt (default: notice.exchange.retries).")] = None,
    trials: Annotated[int, typer.Option("--trials", help="Monte Carlo trials.")] = 1000,
    seed: Annotated[int, typer.Option("--seed", help="Seed; trial i uses the stream (seed, i).")] = 0,
    fmt: FormatOpt = "table",
) -> None:
    """Notice → link → watch officer → relay → defender (notional latencies): warning time at the defender.

    Examples:

      duel notify chain --lead-time-s 1800 --apogee-s 300 --reentry-s 500 --impact-s 556

      duel notify chain --lead-time-s 0 --apogee-s 300 --reentry-s 500 --impact-s 556 --sensor-cue-s 60 --format json
    """
    from duel.scenario.registry import Registry

    longest_min = Registry.default().spec("notice.lead_min").bounds()[1]  # the scenario's own limit
    _at_least("--lead-time-s", lead_time_s, 0.0, 60.0 * longest_min)
    if not 0 <= apogee_s <= reentry_s <= impact_s <= 86_400.0:
        raise _err("--apogee-s/--reentry-s/--impact-s: need 0 <= apogee <= reentry <= impact <= 86400 s")
    if sensor_cue_s is not None:
        _at_least("--sensor-cue-s", sensor_cue_s, 0.0, 86_400.0)
    _at_least("--trials", trials, 1)
    _at_least("--seed", seed, 0)
    _fmt(fmt)
    from duel.notify.chain import simulate_notice_chain
    from duel.scenario.inputs import command_inputs
    from duel.trials.runner import chain_latencies

    given = {"notice.exchange.relay_probability": (relay_probability, "--relay-probability"),
             "notice.exchange.drop": (drop, "--drop"), "notice.exchange.retries": (retries, "--retries")}
    inputs = command_inputs(given={k: v for k, v in given.items() if v[0] is not None})
    _emit(simulate_notice_chain(lead_time_s, trials, seed, apogee_s=apogee_s, reentry_s=reentry_s, impact_s=impact_s,
                                sensor_cue_s=sensor_cue_s,
                                relay_probability=float(inputs["notice.exchange.relay_probability"]),
                                drop=float(inputs["notice.exchange.drop"]),
                                retries=int(inputs["notice.exchange.retries"]), **chain_latencies(inputs)), fmt)


@log_app.command("verify")
def log_verify(home: HomeOpt, party: PartyOpt, keyring: KeyringOpt = None,
               peer: Annotated[str | None, typer.Option("--peer", help="A peer's http://127.0.0.1:PORT: also check "
                                                                       "the log against the head of it the peer holds now.")] = None) -> None:
    """Check PARTY's store; exit 1 on any problem: the hash chain and Merkle tree of its log (an entry changed,
    removed, inserted or reordered), every notice, inbox, outbox and head row against the log, and the log
    against the latest heads of it that each peer signed (a rewrite that recomputed every hash), and with
    --peer the head the peer holds now.

    Examples:

      duel notify log verify --home ex --party US

      duel notify log verify --home ex --party RU --peer http://127.0.0.1:8701
    """
    from duel.notify.audit import audit
    from duel.notify.home import check_party, open_party
    from duel.notify.httpapi import check_url

    check_party(party)
    db = home / f"{party}.db"
    if not db.is_file():
        raise _err(f"--home: no database {db}")
    res = audit(open_party(home, party, keyring), None if peer is None else check_url(peer, "--peer"))
    print(json.dumps(res))
    if not res["ok"]:
        sys.exit(1)


@app.command("export")
def export(
    cap: Annotated[bool, typer.Option("--cap", metavar="", help="CAP 1.2 XML (the only export format).")] = False,
    home: Annotated[Path | None, typer.Option("--home", help="Party home directory.")] = None,
    party: Annotated[str | None, typer.Option("--party", help="Party whose outbox or inbox holds --id.")] = None,
    msg_id: Annotated[str | None, typer.Option("--id", help="Message id.")] = None,
    infile: Annotated[Path | None, typer.Option("--in", help="A message JSON file instead of --home/--party/--id.")] = None,
) -> None:
    """Export a message as OASIS CAP 1.2 XML on stdout.

    Examples:

      duel notify export --cap --home ex --party RU --id ID > notice.xml

      duel notify export --cap --in message.json
    """
    from duel.notify.cap import export_cap
    from duel.notify.message import SchemaError, parse

    if not cap:
        raise _err("--cap: required (CAP 1.2 is the export format)")
    if infile is not None:
        try:
            raw = infile.read_bytes()
        except OSError as exc:
            raise _err(f"--in: cannot read {infile} ({exc.strerror})") from None
    else:
        if home is None or party is None or msg_id is None:
            raise _err("--id: give --home, --party and --id, or --in FILE")
        from duel.notify.home import check_party
        from duel.notify.store import Store

        check_party(party)
        if not (home / f"{party}.db").is_file():
            raise _err(f"--home: no database {home / (party + '.db')}")
        db = Store(home / f"{party}.db").db
        row = (db.execute("SELECT body FROM outbox WHERE id=?", (msg_id,)).fetchone()
               or db.execute("SELECT body FROM inbox WHERE id=?", (msg_id,)).fetchone())
        if row is None:
            raise _err(f"--id: no message '{msg_id}' in {party}'s outbox or inbox")
        raw = row[0]
    try:
        sys.stdout.write(export_cap(parse(raw)).decode())
    except SchemaError as exc:
        raise _err(f"--in: {exc}") from None


@app.command("import")
def import_(
    cap: Annotated[Path, typer.Option("--cap", help="CAP 1.2 XML file written by duel notify export --cap.")],
) -> None:
    """Import a CAP 1.2 XML file back into a duel-notify/1 message (JSON on stdout).

    Examples:

      duel notify import --cap notice.xml

      duel notify import --cap notice.xml > message.json
    """
    from duel.notify.cap import import_cap
    from duel.notify.message import SchemaError

    try:
        xml = cap.read_bytes()
    except OSError as exc:
        raise _err(f"--cap: cannot read {cap} ({exc.strerror})") from None
    try:
        print(json.dumps(import_cap(xml), indent=1))
    except SchemaError as exc:
        raise _err(f"--cap: {exc}") from None
