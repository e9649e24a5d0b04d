"""Issue 14.5: keys stay private. A key file is created new (O_CREAT|O_EXCL|O_NOFOLLOW) with mode 0600 whatever
the umask, rotation replaces it atomically (a symbolic link in its place is replaced, never written through),
and a key that the group or others can read, a link, or another user's file is refused in one line, as ssh
does."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from test_notify_cli import notify_cmd

from duel.errors import InputError
from duel.notify.keys import Signer


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


def _one_line_error(r) -> str:
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in r.stderr, r.stderr
    return lines[0]


def test_a_key_is_written_0600_whatever_the_umask(tmp_path):
    old = os.umask(0)
    try:
        Signer.generate("RU").save(tmp_path / "RU.key")
    finally:
        os.umask(old)
    assert _mode(tmp_path / "RU.key") == 0o600
    assert Signer.load(tmp_path / "RU.key").party == "RU"


def test_keygen_makes_a_private_home_and_rotation_leaves_0600_over_a_0666_file(tmp_path):
    home = tmp_path / "home"
    assert notify_cmd("keygen", "--home", str(home), "--party", "RU").returncode == 0
    assert _mode(home) == 0o700 and _mode(home / "RU.key") == 0o600
    os.chmod(home / "RU.key", 0o666)  # a key made world-writable by hand
    r = notify_cmd("keygen", "--home", str(home), "--party", "RU")  # rotation
    assert r.returncode == 0, r.stderr
    assert _mode(home / "RU.key") == 0o600
    assert not [p for p in home.iterdir() if p.name.endswith(".tmp")]


def test_rotation_replaces_a_symbolic_link_and_never_writes_through_it(tmp_path):
    home = tmp_path / "home"
    assert notify_cmd("keygen", "--home", str(home), "--party", "RU").returncode == 0
    victim = tmp_path / "victim.txt"
    victim.write_text("not yours\n")
    (home / "RU.key").unlink()
    (home / "RU.key").symlink_to(victim)
    assert notify_cmd("keygen", "--home", str(home), "--party", "RU").returncode == 0
    assert victim.read_text() == "not yours\n"  # before the fix: the key was written into the link's target
    assert not (home / "RU.key").is_symlink() and _mode(home / "RU.key") == 0o600


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660])
def test_a_key_readable_or_writable_by_others_is_refused_with_the_fix(tmp_path, mode):
    home = tmp_path / "home"
    assert notify_cmd("keygen", "--home", str(home), "--party", "RU").returncode == 0
    os.chmod(home / "RU.key", mode)
    line = _one_line_error(notify_cmd("send", "--home", str(home), "--party", "RU", "--to", "US", "--url",
                                       "http://127.0.0.1:9", "--class", "IRBM"))
    assert f"(mode {mode:04o})" in line and f"chmod 600 {home / 'RU.key'}" in line, line


def test_a_key_that_is_a_symbolic_link_is_refused(tmp_path):
    home = tmp_path / "home"
    assert notify_cmd("keygen", "--home", str(home), "--party", "RU").returncode == 0
    (home / "real.key").write_bytes((home / "RU.key").read_bytes())
    os.chmod(home / "real.key", 0o600)
    (home / "RU.key").unlink()
    (home / "RU.key").symlink_to(home / "real.key")
    with pytest.raises(InputError, match="is a symbolic link: refused"):
        Signer.load(home / "RU.key")


def test_keygen_on_a_file_or_an_unwritable_place_is_one_line(tmp_path):
    a_file = tmp_path / "f"
    a_file.write_text("x")
    for home in (a_file, a_file / "sub", Path("/proc/duel-no-such-home")):
        line = _one_line_error(notify_cmd("keygen", "--home", str(home), "--party", "RU"))
        assert line.startswith("error: --home: ") or "--home: " in line, line


def test_a_keyring_others_can_change_or_a_linked_one_is_refused(tmp_path):
    home = tmp_path / "home"
    for party in ("RU", "US"):
        assert notify_cmd("keygen", "--home", str(home), "--party", party).returncode == 0
    ring = home / "keyring.json"
    assert _mode(ring) == 0o644
    send = ("send", "--home", str(home), "--party", "RU", "--to", "US", "--url", "http://127.0.0.1:9")
    os.chmod(ring, 0o666)
    line = _one_line_error(notify_cmd(*send))
    assert "--keyring:" in line and "(mode 0666)" in line and f"chmod 644 {ring}" in line, line
    os.chmod(ring, 0o644)
    (home / "real.json").write_bytes(ring.read_bytes())
    ring.unlink()
    ring.symlink_to(home / "real.json")
    assert "is a symbolic link: refused" in _one_line_error(notify_cmd(*send))
    assert notify_cmd("keygen", "--home", str(home), "--party", "RU").returncode == 2  # rotation refuses it too
