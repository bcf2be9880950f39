"""What a release derives from its data, each built from scratch or updated from the release
before it plus the change the writer already knows.

A derived artefact has two ways to be made, and a test proves they give the same result, byte
for byte where the artefact is a file. Updated from the release before: the dumps
(``cblod.read.dumps``: unchanged sources linked, their N-Quads members copied, the published graph
rewritten only in the subject buckets that changed: ``cblod.read.subject_buckets``), the facet and
reconciliation indexes (only the items a change reaches made again: ``cblod.derived.reach``),
the statistics' counts (``cblod.derived.statistics``), the kept answers whose queries read
nothing that changed (``cblod.derived.reads``) and the figures of untouched programmes
(``cblod.derived.figures``), and the search index (``cblod.derived.search``). Asked again: the other
answers (arbitrary aggregates, which a diff of statements cannot update exactly without
keeping their groups). The update is the default whenever the release before it is on disk
with its own artefact; otherwise, or when the change is not known, the artefact is built from
scratch. What each costs is in benchmarks/README.md (issue #24).
"""
