"""Enough open files for the memory-mapped indexes.

A memory-mapped file holds a file descriptor for as long as it is mapped (CPython's ``mmap``
keeps a duplicate), and a loaded facet index maps about 200 files (each list's arrays, IRIs,
names and facet values: ``cblod.derived.facets.lines``); a server holds a few releases' indexes
at once, a fix reads the release before's, and the engine has files of its own. The usual soft
limit (1 024 open files) would be within reach, the hard limit hardly: every command raises
the soft limit towards the hard one first, as servers commonly do.
"""

from __future__ import annotations

#: open files a command asks for (or the hard limit, if lower)
WANTED = 65_536


def raise_open_files(wanted: int = WANTED) -> int | None:
    """Raise this process's soft limit on open files to ``wanted`` (at most the hard limit);
    returns the soft limit in force, or None where there is no such limit to set."""
    try:
        import resource
    except ImportError:  # not a Unix
        return None
    try:
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        if soft != resource.RLIM_INFINITY and soft < target:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        return resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    except (ValueError, OSError):
        return None
