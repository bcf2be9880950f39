"""Programme figures kept from the release before (``cblod.derived.figures``): a fix on one
programme's project makes that programme's figures again, and every other programme's kept
answer is the release before's file; each equals the figures asked again (also after chains
of updates: ``test_derived_answers``)."""

from __future__ import annotations

import json

from cblod.backends.store import CblodStore
from cblod.core.vocab import sparql_prefixes
from cblod.derived.figures import untouched_programmes
from cblod.derived.kept import FOLDER, answer_file
from cblod.publish import ingest
from cblod.read.figures import programme_figures
from tests.helpers.samples import ALL_PAGES


def figures_file(store: CblodStore, programme: str):
    return store.snapshot / FOLDER / answer_file(sparql_prefixes() + programme_figures(programme))


def test_a_fix_makes_only_its_programmes_figures_again(tmp_path, pages):
    store = CblodStore(tmp_path / "store")
    ingest([pages / p.name for p in ALL_PAGES], store=store)
    programmes = sorted(
        r["p"].value
        for r in store.select(
            "SELECT DISTINCT ?p WHERE { ?p a <https://w3id.org/cblod/ontology#Programme> }"
        )
    )
    assert len(programmes) > 1
    before = {p: figures_file(store, p).stat().st_ino for p in programmes}
    page = pages / ALL_PAGES[0].name  # the keep.eu page: one Central Baltic project
    text = page.read_text(encoding="utf-8")
    page.write_text(text.replace("ERDF budget: EUR 149 325.00", "ERDF budget: EUR 149 400.50"))
    ingest([page], store=store)

    found = untouched_programmes(CblodStore(store.path, must_exist=True))
    assert found is not None
    _, untouched = found
    touched = set(programmes) - untouched
    assert touched == {p for p in programmes if p.endswith("/central-baltic-2014-2020")}
    for programme in programmes:
        kept = figures_file(store, programme)
        assert (kept.stat().st_ino == before[programme]) == (programme in untouched), programme
        asked = store.select(sparql_prefixes() + programme_figures(programme))
        rows = sorted(json.dumps({k: v["value"] for k, v in b.items()}, sort_keys=True)
                      for b in json.loads(kept.read_bytes())["results"]["bindings"])  # fmt: skip
        again = sorted(
            json.dumps({v.value: row[v].value for v in asked.variables if row[v] is not None},
                       sort_keys=True)
            for row in asked
        )  # fmt: skip
        assert rows == again, programme
