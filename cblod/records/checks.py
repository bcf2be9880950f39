"""Checks on parsed records that warn without refusing: figures that cannot all be right.

A secretariat's data is published as written; which figure is wrong (a partner's, the total,
a typo) is for a person to decide. ``cblod validate`` reports the same through the SHACL
shapes. These run on records, before any statement is made, so the emitter only turns
records into statements.
"""

from __future__ import annotations

from .model import Project


def budget_warnings(project: Project) -> list[str]:
    """Partner EU funding above the partner's budget; partner sums above the project's."""
    warnings = []
    for p in project.participations:
        if (
            p.total_budget
            and p.eu_contribution
            and p.eu_contribution.amount > p.total_budget.amount
        ):
            name = p.organisation.names[0].value if p.organisation.names else "?"
            warnings.append(
                f"{project.acronym} / {name}: EU funding {p.eu_contribution.amount} is above "
                f"the partner's budget {p.total_budget.amount}"
            )
    for label, total, amounts in [
        ("budgets", project.total_budget, [p.total_budget for p in project.participations]),
        (
            "EU funding",
            project.eu_contribution,
            [p.eu_contribution for p in project.participations],
        ),
    ]:
        known = [m.amount for m in amounts if m is not None]
        if total is not None and known and sum(known) > total.amount:
            warnings.append(
                f"{project.acronym}: partner {label} add up to {sum(known)}, above the "
                f"project's {total.amount}"
            )
    return warnings
