"""``python -m restorer``: the same as the ``restorer`` command."""

from restorer.cli import main

main()
