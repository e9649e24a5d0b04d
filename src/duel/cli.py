"""The ``duel`` command line: a thin typer app; every command lives in ``duel.commands``.

Only typer is imported at module level so that ``duel --help`` stays fast; numpy, scipy and the physics
are imported inside the commands. Any :class:`duel.errors.InputError` becomes one line on stderr and exit 2.
"""

from __future__ import annotations

import atexit
import gc
import sys

import typer
from typer.core import TyperCommand, TyperGroup, TyperOption
from typer.models import DefaultPlaceholder

from duel.commands import basing as _basing
from duel.commands import catalog as _catalog
from duel.commands import engage as _engage
from duel.commands import fly as _fly
from duel.commands import inputs as _inputs
from duel.commands import need as _need
from duel.commands import notify as _notify
from duel.commands import raid as _raid
from duel.commands import run as _run
from duel.commands import scenario as _scenario
from duel.commands import schema as _schema
from duel.commands import serve as _serve
from duel.commands import sweep as _sweep
from duel.commands import trials as _trials

app = typer.Typer(
    name="duel",
    help=(
        "Open physics for the proposed IRBM 'duel': fly public-parameter missiles on a rotating Earth, "
        "time the defence and count the leakers, with the source of every number.\n\n"
        "Examples:\n\n"
        "  duel run scenarios/kyiv-duel.toml\n\n"
        "  duel trials scenarios/kyiv-duel.toml --trials 2000 --out runs/kyiv\n\n"
        "  duel fly --missile oreshnik --from kapustin-yar --to dnipro\n\n"
        "  duel fly --from kapustin-yar --to kyiv --trajectory min-energy --format json\n\n"
        "  duel need scenarios/kyiv-duel.toml --add thaad@kyiv --add shots --goal p_all_stopped=0.9\n\n"
        "  duel raid --objects 36 --sspk 0.7 --shots 2\n\n"
        "  duel inputs --grep thaad\n\n"
        "  duel catalog missiles"
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _as_flag(option: TyperOption | None) -> TyperOption | None:
    """typer's own --help, shown as the flag it is (typer would label it '<bool>')."""
    if option is not None:
        option.metavar = ""
    return option


class FlagHelpCommand(TyperCommand):
    """A command whose --help shows as a flag."""

    def get_help_option(self, ctx: typer.Context) -> TyperOption | None:
        return _as_flag(super().get_help_option(ctx))


class FlagHelpGroup(TyperGroup):
    """A command group whose --help shows as a flag."""

    def get_help_option(self, ctx: typer.Context) -> TyperOption | None:
        return _as_flag(super().get_help_option(ctx))


def _flag_help_everywhere(tree: typer.Typer) -> None:
    """Every command and group of ``tree`` (recursively) built with the classes above."""
    for cmd in tree.registered_commands:
        if cmd.cls in (None, TyperCommand) or isinstance(cmd.cls, DefaultPlaceholder):
            cmd.cls = FlagHelpCommand
    for group in tree.registered_groups:
        group.cls = FlagHelpGroup
        if group.typer_instance is not None:
            group.typer_instance.info.cls = FlagHelpGroup
            _flag_help_everywhere(group.typer_instance)


def _version(value: bool) -> None:
    if value:
        from duel import __version__

        print(f"duel {__version__}")
        raise typer.Exit()


@app.callback()
def _root(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, metavar="",
                                       help="Print duel's version and exit.")) -> None:
    """Open physics for the proposed IRBM 'duel' (see the examples above)."""


app.command("run", help=_run.HELP)(_run.run)
app.command("fly", help=_fly.HELP, no_args_is_help=False)(_fly.fly)
app.command("raid", help=_raid.HELP)(_raid.raid)
app.command("engage", help=_engage.HELP)(_engage.engage)
app.command("basing", help=_basing.HELP)(_basing.basing)
app.command("trials", help=_trials.HELP)(_trials.trials)
app.command("need", help=_need.HELP)(_need.need)
app.command("inputs", help=_inputs.HELP)(_inputs.inputs)
app.command("sweep", help=_sweep.HELP)(_sweep.sweep)
app.command("serve", help=_serve.HELP)(_serve.serve)
app.add_typer(_scenario.app, name="scenario")
app.command("schema", help=_schema.HELP)(_schema.schema)
app.add_typer(_catalog.app, name="catalog")
app.add_typer(_notify.app, name="notify")
app.info.cls = FlagHelpGroup
_flag_help_everywhere(app)


def main() -> None:
    """Console-script entry point: runs the app, turning input errors into one line and exit code 2."""
    from duel.errors import InputError, OptionValueError

    # when this process exits, once the command is done: its objects frozen, so the interpreter's last
    # garbage-collector sweep skips them (0.35-0.5 s after a duel run); registered once, however often main runs
    # in one process (the tests), and nothing is frozen before the exit. Finalisers of objects in reference
    # cycles then do not run at exit, which Python never promises; duel closes its files and stores itself.
    atexit.unregister(gc.freeze)
    atexit.register(gc.freeze)
    try:
        app()
    except (InputError, OptionValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)  # one line: InputError escapes control characters
        sys.exit(2)
