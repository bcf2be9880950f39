"""What a mapping module reads out of a source: plain dataclasses, no RDF.

Mappings fill these in; ``identity`` gives each thing its URI and ``emit`` turns them into quads.
Keeping RDF out of the mappings is what makes a new source format one small module.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from .places import Country, Region
from .values import Coded, Money

if TYPE_CHECKING:
    from .identifiers import Identifier


@dataclass(frozen=True)
class Text:
    """A string with its language when the source says which (None otherwise)."""

    value: str
    lang: str | None = None


class Role(enum.Enum):
    LEAD_PARTNER = "LeadPartner"
    PROJECT_PARTNER = "ProjectPartner"


class ResultKind(enum.Enum):
    EXPECTED = "Expected"
    ACHIEVED = "Achieved"


@dataclass
class Address:
    full: str
    street: str | None = None
    postal_code: str | None = None
    locality: str | None = None
    country: Country | None = None
    #: WGS 84 degrees, when the source geocodes the address
    latitude: Decimal | None = None
    longitude: Decimal | None = None


@dataclass
class Organisation:
    names: list[Text]
    country: Country | None = None
    region: Region | None = None
    acronym: str | None = None
    former_names: list[str] = field(default_factory=list)
    address: Address | None = None
    legal_status: str | None = None
    websites: list[str] = field(default_factory=list)
    is_cluster: bool = False
    #: validated registry identifiers (cblod.records.identifiers.Identifier)
    identifiers: list[Identifier] = field(default_factory=list)
    organisation_type: str | None = None
    #: Programmes (e.g. a national cluster programme) the organisation was selected for.
    selected_for: list[Programme] = field(default_factory=list)


@dataclass
class Participation:
    organisation: Organisation
    role: Role
    total_budget: Money | None = None
    eu_contribution: Money | None = None
    cofinancing_rate: Decimal | None = None


@dataclass(frozen=True)
class Call:
    """A programme's call for proposals: its number within the programme and when it ran."""

    number: str
    opens: date | None = None
    closes: date | None = None


@dataclass
class Result:
    text: Text
    kind: ResultKind
    #: (low, high or None) as Decimals: "3-4 sales agreements" -> (3, 4)
    quantity: tuple[Decimal, Decimal | None] | None = None
    #: the same statement in other languages
    translations: list[Text] = field(default_factory=list)
    #: code of the programme indicator the result is measured by ("RCO84")
    indicator: str | None = None


@dataclass
class Programme:
    """A funding programme, identified by its short name and programming period.

    ``period`` is (2014, 2020) when the source says it or it follows from the project dates.
    """

    short_name: str
    full_name: str | None = None
    period: tuple[int, int] | None = None
    managing_body: Organisation | None = None
    description: Text | None = None


@dataclass
class Project:
    programme: Programme
    acronym: str | None
    titles: list[Text] = field(default_factory=list)
    descriptions: list[Text] = field(default_factory=list)
    priority: Coded | None = None
    specific_objective: Coded | None = None
    specific_objective_label: str | None = None  # when a source gives the label but no code
    thematic_objective: Coded | None = None
    investment_priority: Coded | None = None
    start: date | None = None
    end: date | None = None
    status: str | None = None
    total_budget: Money | None = None
    eu_contribution: Money | None = None
    #: share of eligible costs the programme funds, in percent as written ("80.00")
    cofinancing_rate: Decimal | None = None
    #: the call for proposals the project was selected in
    call: Call | None = None
    funds: list[str] = field(default_factory=list)
    participations: list[Participation] = field(default_factory=list)
    results: list[Result] = field(default_factory=list)
    #: programme indicators the project contributes to ("R1.3 Number of cluster co-operations…")
    indicators: list[Coded] = field(default_factory=list)
    themes: list[str] = field(default_factory=list)
    pages: list[str] = field(default_factory=list)
    websites: list[str] = field(default_factory=list)
    sub_programme: str | None = None
    #: the programme's own project identifier (Jems project id)
    code: str | None = None
    #: cohesion-policy intervention field codes ("150")
    intervention_fields: list[str] = field(default_factory=list)
    #: named only so partners can refer to it (a partners-only file): emit no description
    reference_only: bool = False


@dataclass(frozen=True)
class CurationRule:
    """One row of a curation table: a person's decision about identity or an external link.

    ``subject`` and ``object`` are one of our IRIs or ``CC:organisation name`` (an ISO country
    code and a name as a source writes it); for ``exact-match`` the object is an external IRI.
    """

    subject: str
    relation: str  # "same-as", "not-same-as" or "exact-match"
    object: str
    source: str  # where the decision comes from: a registry page, a person and a date
    row: int


@dataclass
class SourceDocument:
    """Everything one page or file says, plus where it came from."""

    path: str
    format: str
    title: str
    origin_url: str | None = None
    modified: date | None = None
    language: str | None = None
    projects: list[Project] = field(default_factory=list)
    organisations: list[Organisation] = field(default_factory=list)
    curation: list[CurationRule] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    #: share of the file read when a streamed chunk was cut (for progress displays)
    progress: float | None = None
