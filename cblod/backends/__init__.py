"""Where a release is kept and read: the read interface every reader uses (``published``:
the ``Dataset`` protocol), the embedded Oxigraph store with its snapshots and releases, the
client of a SPARQL server, the push to one, and the registry of named stores."""
