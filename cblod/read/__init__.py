"""What is read from a published release to show it: descriptions of resources, statistics,
programme figures, the plain lists' queries, the example queries, the names a reader sees,
and the dumps. It imports the core and the backends' read interface, never the web tier (the
dumps still take two helpers of what a release changed from ``cblod.derived``: they go down
with the backends, issue #25)."""
