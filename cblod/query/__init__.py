"""Running SPARQL for the endpoint: lexical checks, result formats, and killable query workers."""
