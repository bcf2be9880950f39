"""What a source says, before it is RDF: the record model (``model``), typed values, places,
names and addresses, and the readers every mapping shares (a source file's text, JSON
records, tables, saved pages) with the checks that warn without refusing. Mappings
(``mappings/``) build these; the ingest layer turns them into statements."""
