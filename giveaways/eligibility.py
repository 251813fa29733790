"""Eligibility as the council words it, versioned: a giveaway stores the ticks a person
declared and the rule set in force, never documents. Rules only, no Flask.

A rule set's criteria are [{key, label, group}]: someone is eligible when every
"required" criterion is ticked and, if there are "one_of" criteria, at least one of them.
Nothing is decided for staff: an ineligible answer is shown, and the rule that applies is
the one in force on the day.
"""

import json
import re
from datetime import datetime

from audit import Actor, record, stamp, utcnow
from db import first, write_transaction
from i18n import N_
from validation import InvalidInput, clean_notes, visible


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


# ---------------------------------------------------------------- a new version

GROUPS = {"required": N_("All of these"), "one_of": N_("At least one of these")}
# The criteria migration m005 seeds as version 1 (they live in the database), only so
# `make translations` finds them: screens show a criterion with `translated()`, and one a
# council words itself is shown as they wrote it.
SEEDED_CRITERIA_LABELS = (
    N_("Aged 18 or over"),
    N_("On a low income (for example on benefits)"),
    N_("No internet, or not enough, at home"),
    N_("No internet, or not enough, when out and about"),
    N_("Cannot afford a contract or top-up"),
    N_("Universal Credit"),
    N_("Pension Credit"),
    N_("Income Support"),
    N_("Income-based Jobseeker's Allowance"),
    N_("Income-related Employment and Support Allowance"),
    N_("Housing Benefit"),
    N_("Council Tax Support"),
)
LABEL_MAX = 120
CRITERIA_MAX = 20
REPEAT_RANGE = range(0, 61)
BAD_REPEAT = "Please give a whole number of months from 0 to 60 (0: no repeat rule)."
NEED_CRITERION = "Please give at least one criterion."
UNCHANGED = "That is the same as version {version}, so there is nothing to save."


def _labels(text, field, errors) -> list[str]:
    """One criterion per line, spaces tidied, blank lines and repeats dropped."""
    labels = list(dict.fromkeys(" ".join(line.split()) for line in visible(text).splitlines()))
    labels = [label for label in labels if label]
    if any(len(label) > LABEL_MAX for label in labels):
        errors[field] = f"Please keep each line to {LABEL_MAX} characters or fewer."
    return labels


def _key(label: str, taken: set[str]) -> str:
    """A criterion's key from its words. Never "one_of": the kiosk asks the whole "At least
    one of these" group as the question "<scheme>.one_of" (giveaways/interest.py)."""
    base = re.sub(r"[^a-z0-9]+", "_", label.casefold()).strip("_")[:40] or "criterion"
    key, n = base, 2
    while key in taken or key == "one_of":
        key, n = f"{base}_{n}", n + 1
    return key


def _criteria(current: dict, groups: dict[str, list[str]]) -> list[dict]:
    """Criteria with stable keys: a label the current version already has keeps its key,
    so reports can follow one criterion across versions."""
    known = {c["label"].casefold(): c["key"] for c in current["criteria"]}
    taken = set(known.values())
    criteria = []
    for group, labels in groups.items():
        for label in labels:
            key = known.get(label.casefold()) or _key(label, taken)
            taken.add(key)
            criteria.append({"key": key, "label": label, "group": group})
    return criteria


def save_rule_set(db, actor: Actor, scheme: str, form: dict,
                  now: datetime | None = None) -> dict:
    """Staff save the council's rules as the next version; earlier giveaways keep the
    version they were given under. `form`: `required` and `one_of` (one criterion a line),
    `repeat_months`, `note`."""
    now = now or utcnow()
    errors = {}
    groups = {g: _labels(form.get(g), g, errors) for g in GROUPS}
    if not any(groups.values()):
        errors["required"] = NEED_CRITERION
    elif sum(map(len, groups.values())) > CRITERIA_MAX:
        errors["required"] = f"Please keep to {CRITERIA_MAX} criteria or fewer."
    months = str(form.get("repeat_months") or "").strip()
    if not (months.isascii() and months.isdigit() and len(months) <= 2
            and int(months) in REPEAT_RANGE):
        errors["repeat_months"] = BAD_REPEAT
    note = clean_notes(form.get("note"), "note", errors, max_len=500)
    if errors:
        raise InvalidInput(errors)
    with write_transaction(db):
        current = current_rule_set(db, scheme)
        criteria = _criteria(current, groups)
        if criteria == current["criteria"] and int(months) == (current["repeat_months"] or 0):
            raise InvalidInput({"required": UNCHANGED.format(version=current["version"])})
        row = {"scheme": scheme, "version": current["version"] + 1,
               "criteria": json.dumps(criteria), "repeat_months": int(months), "note": note,
               "created_at": stamp(now), "created_by": actor.id}
        rule_set_id = db["eligibility_rule_sets"].insert(row).last_pk
        record(db, actor, "eligibility.new_version", "eligibility_rule_sets", rule_set_id,
               after=row, now=now)
    return get_rule_set(db, rule_set_id)
