"""Start cblod on the bundled sample data: ``python serve.py``.

The same as ``cblod demo``: builds the demo store from the sample files shipped with cblod the
first time (or whenever the store has no sources), then serves it at http://127.0.0.1:5000/.
``CBLOD_STORE``, ``--store``, ``--host`` and ``--port`` work as for ``cblod serve``.
"""

import sys

from cblod.cli import main

if __name__ == "__main__":
    sys.exit(main(["demo", *sys.argv[1:]]))
