"""The write path: the pipeline from source files to a published release (``pipeline``), the
statements a record makes (``emit``), who is who (``identity``, ``merges``, ``curation``),
the published graph made from the sources (``consolidate``), and the writer."""
