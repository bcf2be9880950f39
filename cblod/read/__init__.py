"""What is read from a published release to show it: descriptions of resources, statistics,
programme figures, the plain lists' queries, the example queries, the names a reader sees,
and the dumps. It imports the core, the backends and the query layer, never the web tier nor
what a release derives (the merges' alias keys it still takes from ``cblod.ingest``: to move
down, issue #25)."""
