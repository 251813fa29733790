"""Interest registered at the kiosk's eligibility check: "can I get a free SIM or a £60
laptop?". No Flask here.

The questions come from the council's current rule sets (eligibility.py), so when the
council words its rules differently the kiosk asks differently: one yes/no question for each
"All of these" criterion and one for the "At least one of these" group. The answers say only
what is *probably* possible; nothing is decided here. Staff look at a registration and turn
it, by hand, into a SIM giveaway, a refurbished-device sale or gift, or a loan referral
(`mark_done`), or close it with a reason.

What is kept is the least that lets staff follow up: the yes/no answers (ticks, never
documents), then either a first name and one way to reach the person, or nothing but a
reference the person keeps ("I'll come back").
"""

import json
import secrets
from datetime import datetime

from audit import Actor, record, stamp, utcnow
from db import first, made_for_request, parse_id, write_transaction
from giveaways.eligibility import assess, current_rule_set, get_rule_set
from i18n import N_, _
from lending import scanned_path, validate_contact
from validation import InvalidInput, clean_text, request_key

SCHEMES = ("sim", "device")
SCHEME_WORDS = {"sim": N_("a free SIM card with data"),
                "device": N_("a refurbished laptop for £60")}
SCHEME_TITLES = {"sim": N_("Free SIM card with data"),  # above each kiosk question
                 "device": N_("Refurbished laptop for £60")}
CONTACT_KINDS = {"mobile": N_("Mobile"), "email": N_("Email"), "landline": N_("Home phone"),
                 "come_back": N_("I'll come back")}
OUTCOMES = {"sim": "SIM giveaway", "sale": "Device sale", "gift": "Device gift",
            "referral": "Loan referral"}
CLOSE_REASONS = {"no_contact": "Could not get in touch", "not_eligible": "Not eligible",
                 "not_wanted": "No longer wanted", "duplicate": "Registered twice",
                 "did_not_return": "Did not come back"}
REFERENCE_ALPHABET = "ACDEFHJKMNPRTUVWXY34679"  # no 0/O, 1/I/L, 2/Z, 5/S, 8/B to mix up
FIRST_NAME_MAX = 40
ALREADY_DEALT_WITH = "That registration of interest has already been dealt with."

NEED_ANSWERS = N_("Those answers were cleared to keep them private. Please start again.")
NEED_NAME = N_("Please type your first name.")
NEED_CONTACT_KIND = N_("Please choose how we can reach you, or tap “I'll come back”.")
NEED_CONTACT = N_("Please type your phone number or email address.")


# ---------------------------------------------------------------- the questions


def questions(db) -> list[dict]:
    """The kiosk's questions in order: SIM rules first, then the device rules.

    Each is {id, scheme, rule_set_id, group, labels}: `id` is "<scheme>.<criterion key>" for
    an "All of these" criterion and "<scheme>.one_of" for the whole "At least one" group.
    """
    asked = []
    for scheme in SCHEMES:
        rule_set = current_rule_set(db, scheme)
        if rule_set is None:
            continue
        for criterion in rule_set["criteria"]:
            if criterion["group"] == "required":
                asked.append({"id": f"{scheme}.{criterion['key']}", "scheme": scheme,
                              "rule_set_id": rule_set["id"], "group": "required",
                              "labels": [criterion["label"]]})
        one_of = [c["label"] for c in rule_set["criteria"] if c["group"] == "one_of"]
        if one_of:
            asked.append({"id": f"{scheme}.one_of", "scheme": scheme,
                          "rule_set_id": rule_set["id"], "group": "one_of", "labels": one_of})
    return asked


def clean_answers(db, answers) -> dict[str, bool] | None:
    """Answers to exactly the current questions ({id: True/False}), or None when any is
    missing or the rules changed meanwhile: the person starts again, nothing is guessed."""
    if not isinstance(answers, dict):
        return None
    ids = [q["id"] for q in questions(db)]
    if set(answers) != set(ids) or not all(isinstance(answers[i], bool) for i in ids):
        return None
    return {i: answers[i] for i in ids}


def outcome(db, answers: dict[str, bool]) -> dict:
    """{suggests: [schemes], verdicts: {scheme: assess(...)}} for a whole set of answers.

    A "yes" to an "At least one of these" question counts as one of them ticked: the kiosk
    does not ask which, staff do when they give the SIM or sell the laptop."""
    verdicts = {}
    for scheme in SCHEMES:
        rule_set = current_rule_set(db, scheme)
        if rule_set is None:
            continue
        verdicts[scheme] = assess(rule_set, scheme_ticks(rule_set, answers))
    return {"suggests": [s for s, v in verdicts.items() if v["eligible"]], "verdicts": verdicts}


def scheme_ticks(rule_set: dict, answers: dict[str, bool]) -> list[str]:
    """The rule set's criterion keys the answers tick. For a yes to the one_of group, the
    first one_of criterion stands for "at least one": enough for `assess`, and never shown
    to staff as a particular benefit or reason (see `answer_lines`)."""
    scheme = rule_set["scheme"]
    ticks = [c["key"] for c in rule_set["criteria"]
             if c["group"] == "required" and answers.get(f"{scheme}.{c['key']}")]
    one_of = [c["key"] for c in rule_set["criteria"] if c["group"] == "one_of"]
    if one_of and answers.get(f"{scheme}.one_of"):
        ticks.append(one_of[0])
    return ticks


def required_ticks(db, interest: dict, scheme: str) -> list[str]:
    """The "All of these" criteria a registration answered yes to, when it was answered
    under the rule set in force now: what a staff form may tick for them. The one_of group
    is left for staff to ask, so a SIM or a sale records the person's actual answer."""
    rule_set = current_rule_set(db, scheme)
    if rule_set is None or rule_set["id"] != interest[f"{scheme}_rule_set_id"]:
        return []
    return [c["key"] for c in rule_set["criteria"]
            if c["group"] == "required" and interest["answers"].get(f"{scheme}.{c['key']}")]


# ---------------------------------------------------------------- registering


def _reference(db) -> str:
    """Six characters people can read aloud, e.g. "K7R-4MX"; unique among registrations."""
    while True:
        code = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(6))
        reference = f"{code[:3]}-{code[3:]}"
        if not db["interest_registrations"].count_where("reference = ?", [reference]):
            return reference


def normal_reference(text) -> str:
    """A reference as typed or scanned ("k7r4mx", "/i/K7R-4MX", a whole URL) in its stored
    form, or "" when it cannot be one."""
    text = str(text or "").strip()
    path = scanned_path(text)
    if path is not None:  # the QR code's address: /i/<reference>, perhaps with ?query
        if len(path) < 2 or path[-2].lower() != "i":
            return ""
        text = path[-1]
    code = "".join(ch for ch in text.upper() if ch.isalnum())
    if len(code) != 6 or not all(ch in REFERENCE_ALPHABET for ch in code):
        return ""
    return f"{code[:3]}-{code[3:]}"


def contact_kind_for(text) -> str:
    """What kind of contact one box for "phone number or email" holds: an email when it has
    an @, a home phone when it starts like a UK landline (01, 02, 03), otherwise a mobile
    (so anything else is checked, and explained, as a mobile number)."""
    text = str(text or "")
    if "@" in text:
        return "email"
    digits = "".join(ch for ch in text if ch.isdigit() or ch == "+")
    if digits.startswith("+44"):
        digits = "0" + digits[3:]
    return "landline" if digits[:2] in ("01", "02", "03") else "mobile"


def validate_details(form: dict) -> dict:
    """First name and one way to reach them, or "I'll come back" (a first name optional)."""
    errors = {}
    kind = form.get("contact_kind") or ""
    first_name = clean_text(form.get("first_name"), "first_name", errors,
                            max_len=FIRST_NAME_MAX, label=N_("your first name"))
    row = {"first_name": first_name, "contact_kind": kind, "contact": None}
    if kind not in CONTACT_KINDS:
        errors["contact_kind"] = _(NEED_CONTACT_KIND)
    elif kind != "come_back":
        if not first_name and "first_name" not in errors:
            errors["first_name"] = _(NEED_NAME)
        if not " ".join(str(form.get("contact") or "").split()):
            errors["contact"] = _(NEED_CONTACT)
        else:
            row["contact_kind"], row["contact"] = validate_contact(kind, form.get("contact"),
                                                                   errors)
    if errors:
        raise InvalidInput(errors)
    return row


def register(db, actor: Actor, venue_id: int, answers, form: dict, request_id=None,
             rule_set_ids=None, now: datetime | None = None) -> dict:
    """Write one registration from complete answers and the person's details, all at once:
    nothing is stored while someone is still answering. A repeated `request_id` (a double
    tap) returns the registration already made. `rule_set_ids`: the rule sets the kiosk
    asked under; if the council saved new rules since, the person starts again."""
    now = now or utcnow()
    request_id = request_key(request_id)
    if made := made_for_request(db, "interest_registrations", request_id):
        return get(db, made)  # the second tap: the kiosk has already forgotten the answers
    answers = clean_answers(db, answers)
    if answers is None:
        raise InvalidInput({"answers": _(NEED_ANSWERS)})
    details = validate_details(form)
    with write_transaction(db):
        if made := made_for_request(db, "interest_registrations", request_id):
            return get(db, made)
        if rule_set_ids is not None and sorted(rule_set_ids) != sorted(
                {q["rule_set_id"] for q in questions(db)}):  # checked with the write lock held
            raise InvalidInput({"answers": _(NEED_ANSWERS)})
        result = outcome(db, answers)
        row = {
            "reference": _reference(db),
            "venue_id": venue_id,
            "answers": json.dumps(answers),
            "suggests": json.dumps(result["suggests"]),
            "sim_rule_set_id": (current_rule_set(db, "sim") or {}).get("id"),
            "device_rule_set_id": (current_rule_set(db, "device") or {}).get("id"),
            **details,
            "request_id": request_id,
            "created_at": stamp(now),
        }
        interest_id = db["interest_registrations"].insert(row).last_pk
        record(db, actor, "interest.register", "interest_registrations", interest_id,
               after={"reference": row["reference"], "venue_id": venue_id,
                      "suggests": result["suggests"], "contact_kind": details["contact_kind"]},
               now=now)
    return get(db, interest_id)


# ---------------------------------------------------------------- reading


_SQL = """select i.*, v.name as venue_name from interest_registrations i
          join venues v on v.id = i.venue_id"""


def _loaded(row) -> dict | None:
    if row is None:
        return None
    return dict(row, answers=json.loads(row["answers"]), suggests=json.loads(row["suggests"]))


def get(db, interest_id) -> dict | None:
    interest_id = parse_id(interest_id)
    if interest_id is None:
        return None
    return _loaded(first(db.query(_SQL + " where i.id = ?", [interest_id])))


def by_reference(db, text) -> dict | None:
    """The registration a slip or QR code names; none once it is anonymised, so an old slip
    no longer leads back to the answers given."""
    reference = normal_reference(text)
    if not reference:
        return None
    return _loaded(first(db.query(_SQL + " where i.reference = ? and i.anonymised_at is null",
                                  [reference])))


def count(db, status: str | None = "new") -> int:
    """How many registrations `registrations` would list with no limit."""
    return db["interest_registrations"].count_where(
        "status = ?" if status else None, [status] if status else None)


def registrations(db, status: str | None = "new", limit: int = 200) -> list[dict]:
    """Newest first for done and closed ones; the open ones oldest first (who waited longest)."""
    if status == "new":
        rows = db.query(_SQL + " where i.status = 'new' order by i.created_at limit ?", [limit])
    elif status in ("done", "closed"):
        rows = db.query(_SQL + " where i.status = ? order by i.closed_at desc limit ?",
                        [status, limit])
    else:
        rows = db.query(_SQL + " order by i.created_at desc limit ?", [limit])
    return [_loaded(r) for r in rows]


def answer_lines(db, interest: dict) -> list[dict]:
    """[{scheme, question (council words), yes}] for a staff page, from the rule sets the
    registration was answered under (a later change of rules does not reword old answers)."""
    lines = []
    for scheme in SCHEMES:
        rule_set = get_rule_set(db, interest[f"{scheme}_rule_set_id"])
        if rule_set is None:
            continue
        for criterion in rule_set["criteria"]:
            key = f"{scheme}.{criterion['key']}"
            if criterion["group"] == "required" and key in interest["answers"]:
                lines.append({"scheme": scheme, "question": criterion["label"],
                              "yes": interest["answers"][key]})
        one_of = [c["label"] for c in rule_set["criteria"] if c["group"] == "one_of"]
        if one_of and f"{scheme}.one_of" in interest["answers"]:
            lines.append({"scheme": scheme, "question": "At least one of: " + "; ".join(one_of),
                          "yes": interest["answers"][f"{scheme}.one_of"]})
    return lines


# ---------------------------------------------------------------- staff follow up


def _open(db, interest_id) -> dict:
    interest = get(db, interest_id)
    if interest is None:
        raise InvalidInput({"interest": "That registration of interest is not there any more."})
    if interest["status"] != "new":
        raise InvalidInput({"interest": ALREADY_DEALT_WITH})
    return interest


def mark_done(db, actor: Actor, interest_id, how: str, *, sim_giveaway_id=None,
              refurb_allocation_id=None, referral_id=None, now: datetime | None = None) -> None:
    """Staff made a SIM giveaway, a sale or gift, or a referral from this registration.
    Call it inside the transaction that made that row, so both happen or neither."""
    now = now or utcnow()
    if how not in OUTCOMES:
        raise ValueError(how)
    with write_transaction(db):
        interest = _open(db, interest_id)
        change = {"status": "done", "outcome": how, "sim_giveaway_id": sim_giveaway_id,
                  "refurb_allocation_id": refurb_allocation_id, "referral_id": referral_id,
                  "closed_by": actor.id, "closed_at": stamp(now)}
        db["interest_registrations"].update(interest["id"], change)
        record(db, actor, "interest.done", "interest_registrations", interest["id"],
               before={"status": "new"}, after=change, now=now)


def close(db, actor: Actor, interest_id, reason, now: datetime | None = None) -> None:
    """Nothing came of it (could not get in touch, not eligible…): closed with a reason."""
    now = now or utcnow()
    if reason not in CLOSE_REASONS:
        raise InvalidInput({"reason": "Please choose why it is being closed."})
    with write_transaction(db):
        interest = _open(db, interest_id)
        change = {"status": "closed", "closed_reason": reason, "closed_by": actor.id,
                  "closed_at": stamp(now)}
        db["interest_registrations"].update(interest["id"], change)
        record(db, actor, "interest.close", "interest_registrations", interest["id"],
               before={"status": "new"}, after=change, now=now)
