"""The ``cblod`` command: argument parsing and printing only; each verb calls one function.

    cblod ingest [--store DIR] [--base-uri URI] [--format NAME] [--strict] PATH...
    cblod validate [--store DIR]
    cblod link --report [--store DIR]
    cblod link --reconcile ENDPOINT --out FILE [--type ID] [--country-property PID] [--min-score S]
    cblod stats [--store DIR]
    cblod dump [--store DIR] [--out DIR]
    cblod serve [--store DIR] [--host HOST] [--port PORT] [--timeout S] [--workers N]
                [--max-rows N] [--allow-service IRI]... [--pages-ahead]
                [--sparql-server QUERY_URL [--cache DIR]]
    cblod push [--store DIR] (--to URL | --query URL --update URL) [--user NAME] [--full]
    cblod demo [--store DIR] [--host HOST] [--port PORT] [--no-serve]
    cblod samples

The store defaults to ``$CBLOD_STORE`` or ``./cblod-data``.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from .. import __version__, mappings
from ..backends.releases import Retention
from ..backends.store import CblodStore
from ..core.errors import CblodError
from ..ingest.pipeline import SourceReport, expand
from ..publish import ingest
from ..read.stats import stats
from .limits import raise_open_files
from .progress import Progress

if TYPE_CHECKING:
    from requests.auth import AuthBase

    from ..backends.published import Dataset


def _store_dir(args: argparse.Namespace) -> str:
    return args.store or os.environ.get("CBLOD_STORE") or "cblod-data"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cblod", description=__doc__.split("\n")[0])
    parser.add_argument("--version", action="version", version=f"cblod {__version__}")
    verbs = parser.add_subparsers(dest="verb", required=True)

    def verb(name: str, help: str) -> argparse.ArgumentParser:
        sub = verbs.add_parser(name, help=help, description=help)
        sub.add_argument("--store", help="store folder (default $CBLOD_STORE or ./cblod-data)")
        return sub

    p = verb("ingest", "read source pages and files into the store, one graph per source")
    p.add_argument("paths", nargs="+", metavar="PATH", help="files or folders")
    p.add_argument("--base-uri", help="public base URI for minted URIs (kept in the store)")
    p.add_argument(
        "--format",
        choices=[m.NAME for m in mappings.MODULES],
        help="read every file as this format instead of detecting it",
    )
    p.add_argument(
        "--strict",
        action="store_true",
        help="fail a source on its first bad row instead of rejecting the row with a warning",
    )
    p.add_argument(
        "--nuts-geometries",
        metavar="FILE",
        help="GeoJSON of NUTS regions (e.g. GISCO's NUTS_RG_20M_2021_4326.geojson): places "
        "partners known only by region, draws regions on the map; kept in the store, and "
        "every file given is re-read when it changes",
    )
    p.add_argument(
        "--postal-codes",
        metavar="FILE",
        help="GeoNames postal code file (e.g. FI.zip or allCountries.zip from "
        "download.geonames.org/export/zip): places partners whose town cblod's gazetteer lacks; "
        "kept in the store, and every file given is re-read when it changes",
    )
    p.add_argument(
        "--keep-releases",
        type=int,
        default=Retention.last,
        metavar="N",
        help=f"releases kept on disk besides one a month ({Retention.last}; at least 2)",
    )
    p.add_argument(
        "--no-monthly",
        dest="monthly",
        action="store_false",
        help="do not keep the last release of every month",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="print only errors and the summary")
    verb("validate", "check the published data against the SHACL shapes")
    p = verb("link", "review organisation links: merges with their evidence, near misses")
    p.add_argument("--report", action="store_true", help="print the review report (the default)")
    p.add_argument(
        "--reconcile",
        metavar="ENDPOINT",
        help="ask a reconciliation service (W3C Reconciliation API) for candidates for every "
        "organisation without an external link; writes proposals to --out for review",
    )
    p.add_argument("--out", help="the proposals file (a curation table to review)")
    p.add_argument("--type", dest="type_id", help="entity type to ask for (Wikidata: Q43229)")
    p.add_argument("--country-property", help="property the country must match (Wikidata: P17)")
    p.add_argument("--min-score", type=float, default=0.0, help="leave out weaker candidates")
    verb("stats", "count what the store holds")
    p = verb("dump", "write the dataset dumps (Turtle, N-Triples, N-Quads, one file per source)")
    p.add_argument("--out", default="dumps", help="folder to write into (default ./dumps)")
    p = verb("serve", "serve the SPARQL endpoint and pages")
    _address_options(p)
    p.add_argument("--timeout", type=float, default=30.0, help="seconds a query may run (30)")
    p.add_argument("--workers", type=int, default=2, help="query worker processes (2)")
    p.add_argument("--max-rows", type=int, default=100_000, help="rows in one answer (100000)")
    p.add_argument(
        "--behind-proxy",
        action="store_true",
        help="trust X-Forwarded-Proto/Host/Prefix from one reverse proxy",
    )
    p.add_argument(
        "--allow-service",
        action="append",
        default=[],
        metavar="IRI",
        help="an endpoint SERVICE clauses may call (repeatable; none by default)",
    )
    p.add_argument(
        "--sparql-server",
        metavar="QUERY_URL",
        help="serve the dataset published on this SPARQL server (see push) instead of --store",
    )
    p.add_argument(
        "--pages-ahead",
        action="store_true",
        help="make every resource's HTML page of each version before it is asked for, in a "
        "process of its own (first views as fast as repeated ones; costs the rendering of "
        "every page per version: ~40 s and ~45 MB at 3 000 projects)",
    )
    p.add_argument(
        "--cache",
        metavar="DIR",
        help="with --sparql-server: where to keep the search index and dumps made from it "
        "(default: ~/.cache/cblod/remote/<hash of the URL>)",
    )
    p = verb("push", "publish the store's published snapshot on a SPARQL 1.1 server, safely")
    p.add_argument(
        "--to", metavar="URL", help="an Oxigraph server (its /query and /update endpoints)"
    )
    p.add_argument("--query", metavar="URL", help="the server's SPARQL query endpoint")
    p.add_argument("--update", metavar="URL", help="the server's SPARQL update endpoint")
    p.add_argument("--user", help="user name for an update endpoint that asks for one")
    p.add_argument(
        "--password-file",
        metavar="FILE",
        help="read the password from FILE (default: the CBLOD_PASSWORD environment variable)",
    )
    p.add_argument(
        "--auth",
        choices=["digest", "basic"],
        default="digest",
        help="HTTP authentication scheme with --user (digest: Virtuoso's /sparql-auth)",
    )
    p.add_argument("--full", action="store_true", help="send every graph, changed or not")
    p.add_argument("-q", "--quiet", action="store_true", help="print only errors and the summary")
    p = verb("demo", "build a store from the bundled samples (if it has no sources) and serve it")
    _address_options(p)
    p.add_argument("--no-serve", action="store_true", help="build the store, do not serve it")
    verbs.add_parser(
        "samples",
        help="print the folders of the bundled sample files (for `cblod ingest $(cblod samples)`)",
    )
    return parser


def _address_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    parser.add_argument("--port", type=int, default=5000, help="port to listen on (5000)")


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    raise_open_files()
    try:
        return {
            "ingest": _ingest,
            "validate": _validate,
            "link": _link,
            "stats": _stats,
            "dump": _dump,
            "serve": _serve,
            "push": _push,
            "demo": _demo,
            "samples": _samples,
        }[args.verb](args)
    except CblodError as exc:
        print(f"cblod: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _ingest(args: argparse.Namespace) -> int:
    files = list(expand(args.paths))
    if not files:
        print("cblod: error: no files under " + " ".join(args.paths), file=sys.stderr)
        return 2
    if args.keep_releases < 2:
        print("cblod: error: --keep-releases must be at least 2", file=sys.stderr)
        return 2
    store = CblodStore(_store_dir(args), retention=Retention(args.keep_releases, args.monthly))
    progress = Progress(len(files), enabled=sys.stderr.isatty() and not args.quiet)

    def show(report: SourceReport) -> None:
        prefix = progress.advance(report)
        if report.status == "failed":
            print(f"{prefix}FAILED {report.error}", file=sys.stderr)
            return
        if args.quiet:
            return
        if report.status == "unchanged":
            print(f"{prefix}{report.path}: unchanged ({report.format})")
            return
        print(
            f"{prefix}{report.path}: {report.format}, {report.records} records, "
            f"{report.triples} triples, {len(report.warnings)} warnings -> {report.graph}"
        )
        for warning in report.warnings:
            print(f"    warning: {warning}")
        for conflict in report.conflicts:
            print(f"    disagreement: {conflict}")

    reports = ingest(
        files,
        store=store,
        base_uri=args.base_uri,
        format=args.format,
        strict=args.strict,
        nuts_geometries=args.nuts_geometries,
        postal_codes=args.postal_codes,
        on_source=show,
        on_chunk=progress.chunk,
    )
    progress.finish()
    counts = {s: sum(r.status == s for r in reports) for s in ("ingested", "unchanged", "failed")}
    print(
        f"{counts['ingested']} ingested, {counts['unchanged']} unchanged, "
        f"{counts['failed']} failed; store {store.path} (base {store.base_uri})"
    )
    return 1 if counts["failed"] else 0


def _validate(args: argparse.Namespace) -> int:
    from ..read.validate import (
        validate,  # pyshacl and rdflib's SPARQL: a fifth of a second to import
    )

    report = validate(CblodStore(_store_dir(args), must_exist=True))
    for finding in report.findings:
        print(finding)
    print(f"{len(report.violations)} violations, {len(report.warnings)} warnings")
    return 0 if report.conforms else 1


def _link(args: argparse.Namespace) -> int:
    from ..linking.report import format_report, link_report

    store = CblodStore(_store_dir(args), must_exist=True)
    if not args.reconcile:
        print(format_report(link_report(store)))
        return 0
    from ..linking.proposals import ReconciliationClient, propose, write_proposals

    if not args.out:
        raise CblodError("--reconcile needs --out FILE for the proposals")
    client = ReconciliationClient(args.reconcile)
    proposals = propose(
        store,
        client,
        type_id=args.type_id,
        country_property=args.country_property,
        minimum_score=args.min_score,
    )
    count = write_proposals(proposals, Path(args.out), args.reconcile)
    print(
        f"{count} candidate links from {client.manifest()['name']} written to {args.out}; "
        "review them, change the relation of the right ones to exact-match, and ingest the "
        "file as a curation table"
    )
    return 0


def _stats(args: argparse.Namespace) -> int:
    summary = stats(CblodStore(_store_dir(args), must_exist=True))
    width = max(map(len, summary), default=0)
    for name, value in summary.items():
        print(f"{name:<{width}}  {value}")
    return 0


def _dump(args: argparse.Namespace) -> int:
    from ..read.dumps import as_files, write_dumps

    out = Path(args.out)
    for name in write_dumps(CblodStore(_store_dir(args), must_exist=True), out):
        path = as_files(out, name)  # a dump kept as parts, written out as one file
        print(f"{path}  {path.stat().st_size} bytes")
    return 0


def _push(args: argparse.Namespace) -> int:
    from ..backends.push import push
    from ..backends.remote import SparqlServer

    base = (args.to or "").rstrip("/")
    urls = {
        "query": args.query or (base and f"{base}/query"),
        "update": args.update or (base and f"{base}/update"),
    }
    missing = [name for name, url in urls.items() if not url]
    if missing:
        raise CblodError(f"push needs --to, or the {' and '.join(missing)} endpoint")
    server = SparqlServer(urls["query"], update_url=urls["update"], auth=_auth(args))
    store = CblodStore(_store_dir(args), must_exist=True)
    report = push(store, server, full=args.full, on_step=None if args.quiet else print)
    if not report.published:
        print(f"{urls['query']} already serves this snapshot ({report.unchanged} graphs)")
        return 0
    print(
        f"version {report.version} published on {urls['query']}: {report.triples_sent} triples "
        f"sent, {len(report.changed)} graphs changed, {report.unchanged} unchanged, "
        f"{len(report.dropped)} old graphs of cblod's dropped"
    )
    return 0


def _auth(args: argparse.Namespace) -> AuthBase | None:
    """Credentials for engines that protect updates; the password never on the command line."""
    if not args.user:
        return None
    if args.password_file:
        try:
            password = Path(args.password_file).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise CblodError(f"cannot read the password file: {exc}") from exc
    else:
        password = os.environ.get("CBLOD_PASSWORD", "")
        if not password:
            raise CblodError("--user needs a password: set CBLOD_PASSWORD or --password-file")
    from requests.auth import HTTPBasicAuth, HTTPDigestAuth

    scheme = HTTPDigestAuth if args.auth == "digest" else HTTPBasicAuth
    return scheme(args.user, password)


def _serve(args: argparse.Namespace) -> int:
    from ..web import serve

    target: str | Dataset = _store_dir(args)
    if args.sparql_server:
        from ..backends.remote import RemoteStore, SparqlServer

        target = RemoteStore(SparqlServer(args.sparql_server), cache=args.cache)
    serve(
        target,
        host=args.host,
        port=args.port,
        SPARQL_TIMEOUT=args.timeout,
        SPARQL_WORKERS=args.workers,
        SPARQL_MAX_ROWS=args.max_rows,
        SPARQL_SERVICE_ALLOW=tuple(args.allow_service),
        TRUST_PROXY=args.behind_proxy,
        PAGES_AHEAD=args.pages_ahead,
    )
    return 0


def _demo(args: argparse.Namespace) -> int:
    from .demo import build_demo_store

    target = _store_dir(args)
    reports = build_demo_store(target)
    if reports:
        print(f"built the demo store in {target} from {len(reports)} sample files")
    if args.no_serve:
        return 0
    from ..web import serve

    serve(target, host=args.host, port=args.port)
    return 0


def _samples(args: argparse.Namespace) -> int:
    from .demo import sample_folders

    with sample_folders() as folders:
        for folder in folders:
            print(folder)
    return 0


if __name__ == "__main__":
    sys.exit(main())
