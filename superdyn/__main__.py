"""``python -m superdyn``: the ``superdyn`` command."""

import sys

from superdyn.verify.cli import main

sys.exit(main())
