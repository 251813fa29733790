"""Eligibility as the council words it, versioned: a giveaway stores the ticks a person
declared and the rule set in force, never documents. Rules only, no Flask.

A rule set's criteria are [{key, label, group}]: someone is eligible when every
"required" criterion is ticked and, if there are "one_of" criteria, at least one of them.
Nothing is decided for staff: an ineligible answer is shown, and the rule that applies is
the one in force on the day.
"""

import json

from db import first


def _loaded(row: dict | None) -> dict | None:
    return dict(row, criteria=json.loads(row["criteria"])) if row else None


def current_rule_set(db, scheme: str) -> dict:
    """The newest rule set for a scheme ('sim' or 'device'); migration m005 ships v1."""
    return _loaded(first(db["eligibility_rule_sets"].rows_where(
        "scheme = ?", [scheme], order_by="version desc", limit=1)))


def get_rule_set(db, rule_set_id) -> dict | None:
    return _loaded(first(db["eligibility_rule_sets"].rows_where("id = ?", [rule_set_id])))


def ticked_keys(rule_set: dict, form_values) -> list[str]:
    """The criteria keys ticked on a form, in the rule set's order; unknown keys dropped."""
    chosen = set(form_values or [])
    return [c["key"] for c in rule_set["criteria"] if c["key"] in chosen]


def assess(rule_set: dict, ticks: list[str]) -> dict:
    """{eligible, missing_required, needs_one_of}: what is missing, in the council's words."""
    ticked = set(ticks)
    required = [c for c in rule_set["criteria"] if c["group"] == "required"]
    one_of = [c for c in rule_set["criteria"] if c["group"] == "one_of"]
    missing = [c["label"] for c in required if c["key"] not in ticked]
    needs_one = bool(one_of) and not any(c["key"] in ticked for c in one_of)
    return {"eligible": not missing and not needs_one, "missing_required": missing,
            "needs_one_of": [c["label"] for c in one_of] if needs_one else []}
