"""`duel notify ...` as a user runs it (subprocesses): simulate's JSON contract, keys, export/import,
log verify, and bad input (exit 2, one line naming the option or field, no traceback)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from cli_process import run_duel


def notify_argv(*args: str) -> list[str]:
    """argv for a `duel notify ARGS...` subprocess."""
    return [sys.executable, "-m", "duel", "notify", *args]


def notify_cmd(*args: str, timeout: float = 60):
    """Run `duel notify ARGS...` (a process forked from this worker's duel zygote, tests/cli_process.py); the
    CompletedProcess (text)."""
    return run_duel("notify", *args, timeout=timeout)


def test_simulate_json_contract():
    r = notify_cmd("simulate", "--drop", "0.3", "--duplicate", "0.2", "--reorder", "--retries", "2",
                   "--trials", "100", "--seed", "1", "--format", "json")
    assert r.returncode == 0, r.stderr
    s = json.loads(r.stdout)
    assert {"delivered_share", "processed_more_than_once", "acked_share", "alarms"} <= set(s)
    assert s["processed_more_than_once"] == 0 and s["delivered_expected"] == pytest.approx(1 - 0.3**3)


@pytest.mark.parametrize("args,needle", [
    (("simulate", "--drop", "1.5"), "--drop:"),
    (("simulate", "--duplicate", "-0.1"), "--duplicate:"),
    (("simulate", "--retries", "-1"), "--retries:"),
    (("simulate", "--trials", "0"), "--trials:"),
    (("simulate", "--format", "xml"), "--format:"),
    (("chain", "--lead-time-s", "60", "--apogee-s", "300", "--reentry-s", "200", "--impact-s", "400"), "--apogee-s"),
    (("serve", "--home", "/nonexistent-duel", "--party", "US"), "--home:"),
    (("serve", "--home", ".", "--party", "1bad"), "--party:"),
    (("serve", "--home", ".", "--party", "US", "--peer", "RU=http://10.0.0.1:80"), "--peer:"),
    (("serve", "--home", ".", "--party", "US", "--port", "70000"), "--port:"),
    (("log", "verify", "--home", ".", "--party", "nobody"), "--home:"),
    (("import", "--cap", "/nonexistent.xml"), "--cap:"),
    (("export", "--home", "."), "--cap:"),
])
def test_bad_input_exits_2_naming_the_option(args, needle):
    r = notify_cmd(*args)
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert needle in r.stderr and "Traceback" not in r.stderr


def test_keygen_send_queue_export_import_and_field_errors(tmp_path):
    home = str(tmp_path)
    for party in ("RU", "US"):
        assert notify_cmd("keygen", "--home", home, "--party", party).returncode == 0
    r = notify_cmd("send", "--home", home, "--party", "RU", "--to", "US", "--impact-area", "48.5,35,0.2")
    assert r.returncode == 2 and "--impact-area: impact_area.circle.radius_m:" in r.stderr
    r = notify_cmd("send", "--home", home, "--party", "RU", "--to", "US", "--window-start", "tomorrow")
    assert r.returncode == 2 and r.stderr.startswith("error: --window-start:")
    r = notify_cmd("send", "--home", home, "--party", "RU", "--to", "US", "--type", "CANCEL")
    assert r.returncode == 2 and "--references:" in r.stderr
    r = notify_cmd("send", "--home", home, "--party", "RU", "--to", "US", "--class", "ICBM", "--regime", "bmlna-1988")
    assert r.returncode == 0, r.stderr
    sent = json.loads(r.stdout)
    assert sent["state"] == "queued" and sent["seq"] == 1
    r = notify_cmd("export", "--cap", "--home", home, "--party", "RU", "--id", sent["id"])
    assert r.returncode == 0 and "<msgType>Alert</msgType>" in r.stdout
    cap = tmp_path / "n.xml"
    cap.write_text(r.stdout)
    r = notify_cmd("import", "--cap", str(cap))
    assert r.returncode == 0 and json.loads(r.stdout)["id"] == sent["id"]
    cap.write_text(r.stdout)  # JSON is not CAP
    r = notify_cmd("import", "--cap", str(cap))
    assert r.returncode == 2 and r.stderr.startswith("error: --cap: cap: not well-formed XML")
    r = notify_cmd("log", "verify", "--home", home, "--party", "RU")
    assert r.returncode == 0 and json.loads(r.stdout)["ok"]
    r = notify_cmd("keygen", "--home", home, "--party", "RU")  # rotation
    assert json.loads(r.stdout)["rotated"] and r.returncode == 0
    r = notify_cmd("revoke", "--home", home, "--party", "RU", "--key-id", "0123456789abcdef")
    assert r.returncode == 2 and "--key-id:" in r.stderr


def test_help_is_fast_and_light():
    r = subprocess.run([sys.executable, "-X", "importtime", "-c", "import duel.commands.notify"],
                       capture_output=True, text=True, timeout=60)
    assert "cryptography" not in r.stderr and "sqlite3" not in r.stderr and "http.server" not in r.stderr
