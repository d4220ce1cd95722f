"""``python -m gigawatt``: same as the ``gigawatt`` console script."""

from gigawatt.cli.app import main

main()
