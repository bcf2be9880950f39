"""Tillväxtverket (Swedish Agency for Economic and Regional Growth) cluster list, in Swedish.

The page announces how many clusters were chosen ("valt ut 22 kluster") for a cluster
programme (here the S3 pilot, "S3-piloten") and lists them one a line as "Cluster, Region",
the region being a Swedish county name as people write it ("Jämtland-Härjedalen", sometimes
misspelt). The announced count guards against a truncated list.
"""

from __future__ import annotations

import re

from cblod.core.errors import InputError, ValueParseError
from cblod.records.model import Organisation, Programme, SourceDocument, Text
from cblod.records.pagetext import PageText
from cblod.records.places import country, region
from cblod.records.sourcefile import SourceFile

NAME = "tillvaxtverket-clusters"
TITLE = "Tillväxtverket cluster list (Swedish)"
RANK = 40

_COUNT = re.compile(r"valt ut (\d+) kluster(?: till (?:klusterplattformen )?(\S+))?", re.I)
_ITEM = re.compile(r"^(.+?),\s*([^,]+)$")


def detect(source: SourceFile) -> bool:
    text = source.text or ""
    return "Tillväxtverket" in text and _COUNT.search(text) is not None


def read(source: SourceFile, *, strict: bool = False) -> SourceDocument:
    page = PageText(source.require_text())
    m = _COUNT.search(" ".join(page.texts()))
    if m is None:
        raise InputError(
            "no cluster count ('... kluster ...') in the page", file=source.name, field="count"
        )
    announced = int(m.group(1))
    programme_name = (m.group(2) or "Klusterprogram").rstrip(".")
    agency = Organisation(names=[Text("Tillväxtverket", "sv")], country=country("SE"))
    programme = Programme(programme_name, programme_name, managing_body=agency)
    start = page.index(lambda t: t.endswith(":") and programme_name.casefold() in t.casefold())
    end = page.index_of("Kontakt", start or 0)
    if start is None:
        raise InputError(
            "no list of clusters after the announcement", file=source.name, field="cluster list"
        )
    doc = SourceDocument(
        path=source.name, format=NAME, title=f"Tillväxtverket: {programme_name}", language="sv"
    )
    sweden = country("SE")
    for n, text in enumerate(page.texts(start + 1, end), start=1):
        item = _ITEM.match(text)
        if not item:
            raise InputError(
                "cluster line is not 'Name, Region'", file=source.name, record=f"line {n}: {text!r}"
            )
        name, region_name = item.group(1).strip(), item.group(2).strip()
        try:
            found = region(region_name, country_iso2=sweden.iso2)
        except ValueParseError as exc:
            raise exc.located(file=source.name, record=name, field="region") from exc
        if found.approximate:
            doc.warnings.append(f"{name}: region {region_name!r} read as {found.name!r}")
        doc.organisations.append(
            Organisation(
                names=[Text(name)],
                country=sweden,
                region=found,
                is_cluster=True,
                selected_for=[programme],
            )
        )
    if len(doc.organisations) != announced:
        raise InputError(
            f"page announces {announced} clusters but lists {len(doc.organisations)} "
            "(truncated page?)",
            file=source.name,
            field="cluster list",
        )
    return doc
