"""``python -m ganaug_bench.cifar10``: the CIFAR-10 benchmark."""

import sys

from .cli import main

sys.exit(main())
