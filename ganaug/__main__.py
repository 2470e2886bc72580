"""``python -m ganaug``: the ``ganaug`` command (:func:`ganaug.cli.main`)."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
