"""``python -m cblod``: the same front door as the ``cblod`` command."""

import sys

from .cli import main

sys.exit(main())
