"""Carbon and landfill saved, from a versioned factor table. Rules only, no Flask.

Factors are avoided-emissions estimates, not offsets. A saved set is never edited: a change
is a new version with its own source and date, so every figure can say which it used.
Reused devices (sold, gifted, lent) count their kind's CO2e and landfill factors; recycled
devices avoid no manufacture and count only their own recorded weight as landfill diverted.
"""

import re
from datetime import date, datetime, time, timedelta

import lending
from audit import Actor, record, stamp, utcnow
from db import first, write_transaction
from help_desk import LOCAL_TZ
from validation import InvalidInput, clean_text

REUSED = ("sold", "gifted", "lent")
MAX_FACTOR = 10_000
BAD_FACTOR = f"Use a number of kilograms from 0 to {MAX_FACTOR}, for example 248 or 1.8."
_NUMBER = re.compile(r"[0-9]{1,5}(?:\.[0-9]{1,3})?")


def _with_factors(db, row: dict | None) -> dict | None:
    if row is None:
        return None
    factors = {f["kind"]: f for f in db["carbon_factors"].rows_where("set_id = ?", [row["id"]])}
    return dict(row, factors=factors)


def current_set(db) -> dict:
    """The newest factor set, with `factors` {kind: {co2e_kg, landfill_kg}}."""
    return _with_factors(db, first(db["carbon_factor_sets"].rows_where(
        order_by="version desc", limit=1)))


def get_set(db, version) -> dict | None:
    text = str(version or "").strip()
    if not (text.isascii() and text.isdigit() and len(text) < 10):
        return None
    return _with_factors(db, first(db["carbon_factor_sets"].rows_where(
        "version = ?", [int(text)])))


def factor_sets(db) -> list[dict]:
    """Every version, newest first, each with its factors."""
    return [_with_factors(db, r) for r in db["carbon_factor_sets"].rows_where(
        order_by="version desc")]


def _factor(value, field, errors) -> float | None:
    text = str(value or "").strip()
    if not _NUMBER.fullmatch(text) or float(text) > MAX_FACTOR:
        errors[field] = BAD_FACTOR
        return None
    return float(text)


def validate_factor_set(db, form: dict) -> tuple[dict, list[dict]]:
    errors = {}
    row = {"source": clean_text(form.get("source"), "source", errors, max_len=1000,
                                required=True, label="where the figures come from"),
           "source_date": lending.parse_date(form.get("source_date"), "source_date", errors,
                                             required=True, label="the source's date")}
    factors = [{"kind": k["slug"],
                "co2e_kg": _factor(form.get(f"co2e_{k['slug']}"), f"co2e_{k['slug']}", errors),
                "landfill_kg": _factor(form.get(f"landfill_{k['slug']}"),
                                       f"landfill_{k['slug']}", errors)}
               for k in lending.kinds(db)]
    if errors:
        raise InvalidInput(errors)
    return row, factors


def save_factor_set(db, actor: Actor, form: dict, now: datetime | None = None) -> int:
    """A new version of the factors (one per device kind), with its source and date.
    Returns the new version number; older versions stay exactly as they were."""
    now = now or utcnow()
    row, factors = validate_factor_set(db, form)
    with write_transaction(db):
        version = current_set(db)["version"] + 1
        row.update(version=version, created_at=stamp(now), created_by=actor.id)
        set_id = db["carbon_factor_sets"].insert(row).last_pk
        db["carbon_factors"].insert_all(dict(f, set_id=set_id) for f in factors)
        record(db, actor, "carbon_factors.create", "carbon_factor_sets", set_id,
               after=dict(row, factors={f["kind"]: [f["co2e_kg"], f["landfill_kg"]]
                                        for f in factors}), now=now)
    return version


def period_bounds(first_day: date, last_day: date) -> tuple[str, str]:
    """UTC stamps bounding local days first..last (start inclusive, end exclusive)."""
    start = datetime.combine(first_day, time(0), LOCAL_TZ)
    end = datetime.combine(last_day + timedelta(days=1), time(0), LOCAL_TZ)
    return stamp(start), stamp(end)


def savings(db, first_day: date, last_day: date, version=None) -> dict:
    """kg CO2e avoided and kg kept from landfill for devices allocated in a period, per
    kind and in total, with the factor set (version, source, date) that produced them."""
    factor_set = get_set(db, version) if version else current_set(db)
    if factor_set is None:
        raise InvalidInput({"version": "Please choose a factor version from the list."})
    start, end = period_bounds(first_day, last_day)
    counted = {r["kind"]: dict(r) for r in db.query(
        """select r.kind, sum(a.outcome in ('sold', 'gifted', 'lent')) as reused,
                  sum(a.outcome = 'recycled') as recycled,
                  coalesce(sum(case when a.outcome = 'recycled' then a.weight_kg end), 0)
                      as recycled_kg
           from refurb_allocations a join refurb_devices r on r.id = a.refurb_id
           where a.at >= ? and a.at < ? group by r.kind""", [start, end])}
    rows = [_kind_saving(k, counted.get(k["slug"]), factor_set["factors"].get(k["slug"]))
            for k in lending.kinds(db)]
    rows = [r for r in rows if r["reused"] or r["recycled"]]
    total = {key: sum(r[key] for r in rows)
             for key in ("reused", "recycled", "recycled_kg", "co2e_kg", "landfill_kg")}
    return {"version": factor_set["version"], "source": factor_set["source"],
            "source_date": factor_set["source_date"], "rows": rows, "total": total}


def _kind_saving(kind: dict, counted: dict | None, factor: dict | None) -> dict:
    counted = counted or {"reused": 0, "recycled": 0, "recycled_kg": 0}
    co2e, landfill = (factor["co2e_kg"], factor["landfill_kg"]) if factor else (0, 0)
    return {"kind": kind["slug"], "kind_label": kind["label"], "has_factor": bool(factor),
            "co2e_factor": co2e, "landfill_factor": landfill,
            "reused": counted["reused"], "recycled": counted["recycled"],
            "recycled_kg": round(counted["recycled_kg"], 3),
            "co2e_kg": round(counted["reused"] * co2e, 3),
            "landfill_kg": round(counted["reused"] * landfill + counted["recycled_kg"], 3)}


def factor_form(factor_set: dict) -> dict:
    """A factor set as the values of the new-version form, to start from."""
    form = {"source": factor_set["source"], "source_date": factor_set["source_date"]}
    for kind, f in factor_set["factors"].items():
        form[f"co2e_{kind}"] = f"{f['co2e_kg']:g}"
        form[f"landfill_{kind}"] = f"{f['landfill_kg']:g}"
    return form


REUSED_NOTE = ("Avoided-emissions estimates, not offsets: they must not be claimed as "
               "offsets or net-zero contributions.")
