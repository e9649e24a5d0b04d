"""``python -m duel``: the same as the ``duel`` command."""

from duel.cli import main

main()
