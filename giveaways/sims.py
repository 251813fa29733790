"""Free SIMs from the National Databank: stock and giveaways. Rules only, no Flask.

Stock arrives in batches at a venue, SIM cards by ICCID or data voucher codes, all of a
list or none of it. A SIM is given once: the status change and the giveaway are one
`BEGIN IMMEDIATE` transaction with a state check, and UNIQUE sim_id backs it up.

A giveaway keeps the ticks a person declared and the rule-set version, never documents,
and who it was for as one of: a learner, a household (a keyed hash of house + postcode and
the postcode district, never the address), or "anonymous, not recorded", for whom no
repeat check is possible. Nothing is decided for the person giving it: an answer that does
not meet the council's rules, or a second SIM within the repeat period, needs a reason,
which is stored and audited. Volunteers and staff alike may give one with a reason.
"""

import hashlib
import hmac
import json
import re
import sqlite3
import unicodedata
from collections import Counter
from datetime import date, datetime, time, timedelta

import council_settings
import learners
from audit import Actor, record, stamp, utcnow
from db import first, made_for_request, parse_id, write_transaction
from formatting import local_day
from giveaways import interest
from giveaways.eligibility import assess, current_rule_set, get_rule_set, ticked_keys
from help_desk import LOCAL_TZ
from i18n import N_, _, ngettext
from lending import _luhn_ok, _venue, parse_date, today
from validation import (
    UK_POSTCODE,
    InvalidInput,
    clean_notes,
    clean_text,
    gather,
    request_key,
)
from volunteers import day_words, open_shift

ITEMS = {"sim": N_("SIM cards"), "voucher": N_("Data voucher codes")}
NETWORKS = ("O2", "Vodafone", "Three")
LOW_STOCK_KEY = "sim_low_stock"
LOW_STOCK_DEFAULT = 10
LOW_STOCK_RANGE = range(0, 1001)
SALT_KEY = "household_salt"
ICCID_LENGTHS = (19, 20)
VOUCHER = re.compile(r"[A-Z0-9-]{4,40}")
HEADERS = ("iccid", "sim", "code", "voucher", "voucher code", "voucher_code")
BATCH_MAX = 5000
PROBLEMS_SHOWN = 50
CODE_SHOWN = 30
REASON_MAX = 200
WHO = ("learner", "household", "anonymous")

BAD_LOW_STOCK = "Please give a whole number from 0 to 1000."
PICK_ITEM = "Please choose SIM cards or voucher codes."
BAD_MONTHS = "Please give a whole number of months from 1 to 36, or leave it blank."
FUTURE_RECEIVED = "The date they arrived cannot be in the future."
NEED_CODES = "Please paste the numbers, one a line, or choose a file."
TOO_MANY = f"Please add at most {BATCH_MAX} in one batch."
NOTHING_ADDED = "Nothing was added."
EMPTY_SCAN = N_("Scan the SIM's barcode, or type its number or voucher code.")
CARD_NOT_SIM = N_("That is a learner card, not a SIM. Scan the barcode on the SIM card.")
NO_TICKS = N_("Please tick what applies to them, in their own words.")
PICK_WHO = N_("Please say who the SIM is for: a learner, a household, or anonymous "
              "(not recorded).")
# Said on the tablet: N_ here, `_()` when said (sim_desk says NEED_LEARNER itself).
NEED_LEARNER = N_("Please find the learner by name, or scan their learner card.")
GONE_LEARNER = N_("That learner is not on the list any more.")
NEED_HOUSE = N_("Please give the house number or name.")
BAD_POSTCODE = N_("Please give their full postcode, for example WN5 0AB.")
NEED_REASON = N_("Please say why it is being given anyway.")
JUST_GIVEN = N_("That SIM has just been given by someone else. Please scan another.")
NEED_VOID_REASON = "Please say why it is being taken out of stock."


# ---------------------------------------------------------------- council setting


def low_stock_threshold(db) -> int:
    """A venue with fewer SIMs than this in stock gets a warning (the council's choice)."""
    return council_settings.get_int(db, LOW_STOCK_KEY, LOW_STOCK_DEFAULT, LOW_STOCK_RANGE)


def set_low_stock_threshold(db, actor: Actor, value, now: datetime | None = None) -> int:
    return council_settings.set_int(db, actor, LOW_STOCK_KEY, value, LOW_STOCK_DEFAULT,
                                    LOW_STOCK_RANGE, "low_stock", BAD_LOW_STOCK, now)


# ---------------------------------------------------------------- codes


def _shown(text: str) -> str:
    return text if len(text) <= CODE_SHOWN else text[:CODE_SHOWN] + "…"


def _iccid(cell: str) -> tuple[str | None, str | None]:
    """(ICCID, None) or (None, what is wrong with it in plain words)."""
    digits = re.sub(r"[\s-]", "", cell)
    if not (digits.isascii() and digits.isdigit()):
        return None, f"“{_shown(cell)}” is not a SIM number: an ICCID is 19 or 20 digits."
    if len(digits) not in ICCID_LENGTHS:
        return None, f"{_shown(digits)} has {len(digits)} digits; an ICCID has 19 or 20."
    if not _luhn_ok(digits):
        return None, f"{digits} fails the check digit, so a digit is probably wrong."
    return digits, None


def voucher_code(text) -> str:
    """Voucher codes are kept in capitals without spaces, so any way of typing one matches."""
    return re.sub(r"\s", "", str(text or "")).upper()


def _voucher(cell: str) -> tuple[str | None, str | None]:
    code = voucher_code(cell)
    if not (code.isascii() and VOUCHER.fullmatch(code)):
        return None, (f"“{_shown(cell)}” is not a voucher code: use 4 to 40 letters, numbers "
                      "or dashes.")
    return code, None


def parse_codes(text, item: str) -> tuple[list[tuple[int, str]], list[str]]:
    """The codes in a pasted list or a simple CSV (first column; a heading row allowed),
    each with its line number, and every problem as "Line n: …"."""
    check = _iccid if item == "sim" else _voucher
    codes, seen, problems = [], {}, []
    for number, line in enumerate(str(text or "").splitlines(), 1):
        cell = line.split(",")[0].strip().strip('"').strip()
        if not cell or (not codes and not problems and cell.casefold() in HEADERS):
            continue
        code, problem = check(cell)
        if problem:
            problems.append(f"Line {number}: {problem}")
        elif code in seen:
            problems.append(f"Line {number}: {code} is also on line {seen[code]}.")
        else:
            seen[code] = number
            codes.append((number, code))
    return codes, problems


def _in_stock_already(db, item: str, codes: list[tuple[int, str]]) -> list[str]:
    column = "iccid" if item == "sim" else "voucher_code"
    known = set()
    values = [code for _, code in codes]
    for start in range(0, len(values), 500):
        chunk = values[start:start + 500]
        known.update(r[0] for r in db.execute(
            f"select {column} from sims where {column} in ({','.join('?' * len(chunk))})",  # noqa: S608
            chunk))
    return [f"Line {n}: {code} is already on our stock list." for n, code in codes
            if code in known]


def _problems_message(problems: list[str]) -> str:
    shown = problems[:PROBLEMS_SHOWN]
    more = len(problems) - len(shown)
    tail = [f"And {more} more lines with problems."] if more else []
    return " ".join([NOTHING_ADDED, *shown, *tail])


# ---------------------------------------------------------------- batches


def _months(value, errors) -> int | None:
    text = str(value or "").strip()
    if not text:
        return None
    if not (text.isascii() and text.isdigit() and len(text) <= 2 and 1 <= int(text) <= 36):
        errors["months"] = BAD_MONTHS
        return None
    return int(text)


def validate_batch(db, form: dict, now: datetime | None = None) -> tuple[dict, list]:
    """Clean a new batch form; InvalidInput with every problem, every bad line too."""
    errors = {}
    item = form.get("item")
    if item not in ITEMS:
        errors["item"] = PICK_ITEM
    row = {
        "venue_id": _venue(db, form.get("venue"), errors, "venue", required=True),
        "item": item,
        "network": clean_text(form.get("network"), "network", errors, required=True,
                              label="the network"),
        "offer": clean_text(form.get("offer"), "offer", errors, max_len=120, required=True,
                            label="the offer"),
        "months": _months(form.get("months"), errors),
        "received_on": parse_date(form.get("received_on"), "received_on", errors,
                                  required=True, label="the date they arrived"),
        "note": clean_notes(form.get("note"), "note", errors, max_len=500),
    }
    if row["received_on"] and row["received_on"] > today(now).isoformat():
        errors["received_on"] = FUTURE_RECEIVED
    codes, problems = parse_codes(form.get("codes"), item if item in ITEMS else "sim")
    if item in ITEMS:
        if problems:
            errors["codes"] = _problems_message(problems)
        elif not codes:
            errors["codes"] = NEED_CODES
        elif len(codes) > BATCH_MAX:
            errors["codes"] = TOO_MANY
    if errors:
        raise InvalidInput(errors)
    return row, codes


def add_batch(db, actor: Actor, form: dict, now: datetime | None = None) -> int:
    """A batch and all its SIMs, or nothing: a code already in stock refuses the list."""
    now = now or utcnow()
    row, codes = validate_batch(db, form, now)
    column = "iccid" if row["item"] == "sim" else "voucher_code"
    with write_transaction(db):
        clashes = _in_stock_already(db, row["item"], codes)
        if clashes:
            raise InvalidInput({"codes": _problems_message(clashes)})
        row.update(created_at=stamp(now), created_by=actor.id)
        batch_id = db["sim_batches"].insert(row).last_pk
        try:
            db["sims"].insert_all({"batch_id": batch_id, column: code, "status": "in_stock"}
                                  for _, code in codes)
        except sqlite3.IntegrityError:
            raise InvalidInput({"codes": f"{NOTHING_ADDED} A number on the list is already "
                                         "on our stock list."}) from None
        record(db, actor, "sim_batch.create", "sim_batches", batch_id,
               after=dict(row, count=len(codes)), now=now)
    return batch_id


def batches(db, venue_id=None) -> list[dict]:
    """Batches newest first, each with how many are in stock, given and void."""
    return [dict(r) for r in db.query(
        """select b.*, v.name as venue_name, count(s.id) as total,
                  coalesce(sum(s.status = 'in_stock'), 0) as in_stock,
                  coalesce(sum(s.status = 'given'), 0) as given,
                  coalesce(sum(s.status = 'void'), 0) as void
           from sim_batches b join venues v on v.id = b.venue_id
           left join sims s on s.batch_id = b.id
           where (:venue is null or b.venue_id = :venue)
           group by b.id order by b.received_on desc, b.id desc""", {"venue": venue_id})]


def stock(db) -> list[dict]:
    """Per venue: SIMs in stock, given and void, split by item, network and offer, and
    whether the venue is below the council's low-stock threshold."""
    threshold = low_stock_threshold(db)
    venues = {}
    for line in db.query(
            """select b.venue_id, v.name as venue_name, b.item, b.network, b.offer,
                      sum(s.status = 'in_stock') as in_stock, sum(s.status = 'given') as given,
                      sum(s.status = 'void') as void
               from sims s join sim_batches b on b.id = s.batch_id
               join venues v on v.id = b.venue_id
               group by b.venue_id, b.item, b.network, b.offer
               order by v.name collate nocase, b.network, b.offer"""):
        venue = venues.setdefault(line["venue_id"], {
            "venue_id": line["venue_id"], "venue_name": line["venue_name"], "lines": [],
            "in_stock": 0, "given": 0, "void": 0})
        venue["lines"].append(dict(line))
        for status in ("in_stock", "given", "void"):
            venue[status] += line[status]
    for venue in venues.values():
        venue["low"] = venue["in_stock"] < threshold
    return list(venues.values())


# ---------------------------------------------------------------- one SIM

_SIM_SQL = """
    select s.*, b.venue_id, b.item, b.network, b.offer, b.months, v.name as venue_name,
           g.given_at
    from sims s join sim_batches b on b.id = s.batch_id join venues v on v.id = b.venue_id
    left join sim_giveaways g on g.sim_id = s.id"""


def find_sim(db, scanned) -> dict | None:
    """The SIM a scan or typed number names: an ICCID (spaces and dashes ignored) or a
    voucher code (any case); None when it is not on our list."""
    iccid = re.sub(r"[\s-]", "", str(scanned or ""))
    code = voucher_code(scanned)
    if not code or len(code) > 64:
        return None
    return first(db.query(_SIM_SQL + " where s.iccid = ? or s.voucher_code = ?",
                          [iccid, code]))


def sim_words(sim: dict) -> str:
    """How a person reads a SIM on screen: network, offer and its last digits."""
    code = sim["iccid"] or sim["voucher_code"]
    words = (N_("%(network)s SIM ending %(end)s (%(offer)s)") if sim["iccid"]
             else N_("%(network)s voucher ending %(end)s (%(offer)s)"))
    return _(words, network=sim["network"], end=code[-4:], offer=sim["offer"])


def sim_for_scan(db, scanned, venue_id) -> dict:
    """The scanned SIM if it can be given at this venue now; InvalidInput (`scan`) saying
    why not otherwise."""
    text = str(scanned or "").strip()
    if not text:
        raise InvalidInput({"scan": _(EMPTY_SCAN)})
    if learners.is_card_url(text):
        raise InvalidInput({"scan": _(CARD_NOT_SIM)})
    sim = find_sim(db, text)
    if sim is None:
        raise InvalidInput({"scan": _("We have no SIM or voucher “%(code)s” on our stock "
                                      "list. Check the number and try again.",
                                      code=_shown(text))})
    if sim["status"] == "given":
        raise InvalidInput({"scan": _("%(sim)s was already given on %(day)s.",
                                      sim=sim_words(sim),
                                      day=day_words(local_day(sim["given_at"])))})
    if sim["status"] == "void":
        raise InvalidInput({"scan": _("%(sim)s was taken out of stock: %(reason)s",
                                      sim=sim_words(sim), reason=sim["void_reason"])})
    if sim["venue_id"] != parse_id(venue_id):
        raise InvalidInput({"scan": _("%(sim)s is in stock at %(venue)s, not here. Please use "
                                      "one from this venue's stock.", sim=sim_words(sim),
                                      venue=sim["venue_name"])})
    return sim


def void_sim(db, actor: Actor, scanned, reason, now: datetime | None = None) -> dict:
    """Take a SIM out of stock (lost, faulty, expired) with a reason; only one in stock."""
    now = now or utcnow()
    errors = {}
    reason = clean_text(reason, "reason", errors, max_len=REASON_MAX)
    if not reason:
        errors["reason"] = errors.get("reason", NEED_VOID_REASON)
    with write_transaction(db):
        found = find_sim(db, scanned)
        sim = gather(errors, sim_for_scan, db, scanned, found["venue_id"] if found else None)
        if errors:
            raise InvalidInput(errors)
        db.execute("update sims set status = 'void', void_reason = ? where id = ?",
                   [reason, sim["id"]])
        record(db, actor, "sim.void", "sims", sim["id"], before={"status": "in_stock"},
               after={"status": "void", "reason": reason}, now=now)
    return sim


# ---------------------------------------------------------------- who it is for


def _salt(db) -> bytes:
    return first(db["settings"].rows_where("key = ?", [SALT_KEY]))["value"].encode()


def keyed_hash(db, text: str) -> str:
    """A keyed hash of `text` with the council's own salt: the same text always gives the
    same key, so a duplicate is found without keeping the text itself in a lookup."""
    return hmac.new(_salt(db), text.encode(), hashlib.sha256).hexdigest()


def household_key(db, house, postcode) -> tuple[str, str]:
    """(key, postcode district) for a household: a keyed hash of the house number or name
    and the full postcode, so the same household matches however it is typed, and the
    address itself is never stored."""
    errors = {}
    typed = unicodedata.normalize("NFKC", str(house or ""))
    house_part = re.sub(r"[\W_]", "", typed.casefold())
    if not house_part:
        errors["house"] = _(NEED_HOUSE)
    elif len(typed) > 80:
        errors["house"] = _("Please use %(max)s characters or fewer.", max=80)
    code = re.sub(r"\s", "", str(postcode or "")).upper()
    match = UK_POSTCODE.fullmatch(code) if code.isascii() else None
    if match is None:
        errors["postcode"] = _(BAD_POSTCODE)
    if errors:
        raise InvalidInput(errors)
    message = f"{house_part}|{code}".encode()
    return hmac.new(_salt(db), message, hashlib.sha256).hexdigest(), match.group(1)


def _recipient(db, learner_id, household, anonymous) -> dict:
    """Exactly one of a learner, a household or anonymous, as the giveaway stores it."""
    chosen = [learner_id not in (None, ""), household is not None, bool(anonymous)]
    if sum(chosen) != 1:
        raise InvalidInput({"who": _(PICK_WHO)})
    if anonymous:
        return {"learner_id": None, "household_key": None, "postcode_district": None}
    if household is not None:
        key, district = household_key(db, household.get("house"), household.get("postcode"))
        return {"learner_id": None, "household_key": key, "postcode_district": district}
    learner = learners.get_learner(db, learner_id)
    if learner is None:
        raise InvalidInput({"who": _(GONE_LEARNER)})
    return {"learner_id": learner["id"], "household_key": None,
            "postcode_district": learner["postcode_district"]}


# ---------------------------------------------------------------- giving one


def add_months(day: date, months: int) -> date:
    """The same day `months` later (or earlier), or the month's last day when it is short."""
    month_index = day.year * 12 + day.month - 1 + months
    year, month = divmod(month_index, 12)
    for last in (31, 30, 29, 28):
        try:
            return date(year, month + 1, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)


def _eligibility(rule_set: dict, ticks, errors) -> tuple[list[str], dict]:
    keys = ticked_keys(rule_set, ticks)
    verdict = assess(rule_set, keys)
    if rule_set["criteria"] and not keys:
        errors["ticks"] = _(NO_TICKS)
    elif not verdict["eligible"]:
        errors["ticks"] = not_eligible_words(verdict)
    return keys, verdict


def not_eligible_words(verdict: dict) -> str:
    """What is missing, in the council's own words."""
    def quoted(label):  # a criterion in the reader's language when the catalogue has it
        return _("“%(label)s”", label=_(label))

    parts = [quoted(label) for label in verdict["missing_required"]]
    if verdict["needs_one_of"]:
        parts.append(_("at least one of %(labels)s", labels=_(", ").join(
            quoted(label) for label in verdict["needs_one_of"])))
    needs = parts[0]
    for part in parts[1:]:
        needs = _("%(first)s and %(next)s", first=needs, next=part)
    return _("Not eligible under the council's rules: still needs %(needs)s. To give it "
             "anyway, say why below.", needs=needs)


def last_giveaway(db, learner_id=None, key=None) -> dict | None:
    """The newest SIM given to this learner or household, if any."""
    if learner_id is None and key is None:
        return None
    return first(db.query(
        """select g.given_at, v.name as venue_name from sim_giveaways g
           join venues v on v.id = g.venue_id
           where g.learner_id = ? or g.household_key = ?
           order by g.given_at desc limit 1""", [learner_id, key]))


def repeat_words(db, rule_set: dict, recipient: dict, now: datetime) -> str | None:
    """Why this would be a repeat under the council's rule, or None when it is not."""
    months = rule_set["repeat_months"]
    last = last_giveaway(db, recipient["learner_id"], recipient["household_key"]) \
        if months else None
    if last is None:
        return None
    given_on = local_day(last["given_at"])
    next_on = add_months(given_on, months)
    if today(now) >= next_on:
        return None
    values = {"num": months, "day": day_words(given_on), "venue": last["venue_name"],
              "next": day_words(next_on)}
    if recipient["learner_id"]:
        return ngettext("A SIM was given to this learner on %(day)s at %(venue)s. The "
                        "council's rule is one every %(num)s month, so the next is due from "
                        "%(next)s. To give another now, say why.",
                        "A SIM was given to this learner on %(day)s at %(venue)s. The "
                        "council's rule is one every %(num)s months, so the next is due from "
                        "%(next)s. To give another now, say why.", months, **values)
    return ngettext("A SIM was given to this household on %(day)s at %(venue)s. The "
                    "council's rule is one every %(num)s month, so the next is due from "
                    "%(next)s. To give another now, say why.",
                    "A SIM was given to this household on %(day)s at %(venue)s. The "
                    "council's rule is one every %(num)s months, so the next is due from "
                    "%(next)s. To give another now, say why.", months, **values)


def _session_now(db, actor: Actor, venue_id: int) -> int | None:
    """The session the giver is signed in to here, if any."""
    shift = open_shift(db, actor.id) if actor.id else None
    return shift["session_id"] if shift and shift["venue_id"] == venue_id else None


def given_for_request(db, request_id) -> dict | None:
    """The giveaway a one-time form id already made, if any."""
    made = made_for_request(db, "sim_giveaways", request_key(request_id))
    return get_giveaway(db, made) if made else None


def give_sim(db, actor: Actor, scanned, venue_id, ticks, learner_id=None, household=None,
             anonymous=False, override_reason=None, session_id=None, request_id=None,
             interest_id=None, now: datetime | None = None) -> dict:
    """Give one SIM in stock here to one person, with their ticks against the current
    rules. A repeated `request_id` (a double tap) returns the giveaway already made.
    With `interest_id` (staff giving it for a kiosk registration of interest) that
    registration is marked done in the same transaction: both happen or neither."""
    now = now or utcnow()
    request_id = request_key(request_id)
    with write_transaction(db):
        made = given_for_request(db, request_id)
        if made:
            return made
        errors = {}
        venue_id = parse_id(venue_id)
        sim = gather(errors, sim_for_scan, db, scanned, venue_id)
        rule_set = current_rule_set(db, "sim")
        keys, verdict = _eligibility(rule_set, ticks, errors)
        recipient = gather(errors, _recipient, db, learner_id, household, anonymous)
        reason = clean_text(override_reason, "override_reason", errors, max_len=REASON_MAX)
        repeat = repeat_words(db, rule_set, recipient, now) if recipient else None
        ineligible = bool(keys) and not verdict["eligible"]  # nothing ticked: tick first
        if (repeat or ineligible) and not reason and "override_reason" not in errors:
            errors["override_reason"] = repeat or _(NEED_REASON)
        if ineligible and reason:
            errors.pop("ticks", None)
        reason = reason if repeat or ineligible else None  # kept only where it overrode
        if errors:
            raise InvalidInput(errors)
        giveaway_id = _write(db, actor, sim, venue_id, rule_set, keys, verdict, recipient,
                             reason, session_id or _session_now(db, actor, venue_id),
                             request_id, now)
        if interest_id is not None:
            interest.mark_done(db, actor, interest_id, "sim", sim_giveaway_id=giveaway_id,
                               now=now)
    return get_giveaway(db, giveaway_id)


def _write(db, actor, sim, venue_id, rule_set, keys, verdict, recipient, reason,
           session_id, request_id, now) -> int:
    """The status change and the giveaway, inside the caller's transaction; a SIM that
    is no longer in stock is refused, never given twice."""
    taken = db.execute("update sims set status = 'given' where id = ? and status = 'in_stock'",
                       [sim["id"]])
    if taken.rowcount != 1:
        raise InvalidInput({"scan": _(JUST_GIVEN)})
    row = {"sim_id": sim["id"], "venue_id": venue_id, "session_id": session_id,
           "given_at": stamp(now), "given_by": actor.id, "rule_set_id": rule_set["id"],
           "ticks": json.dumps(keys), "eligible": int(verdict["eligible"]),
           "override_reason": reason, "request_id": request_id, **recipient}
    try:
        giveaway_id = db["sim_giveaways"].insert(row).last_pk
    except sqlite3.IntegrityError:
        raise InvalidInput({"scan": _(JUST_GIVEN)}) from None
    record(db, actor, "sim.give", "sim_giveaways", giveaway_id,
           after=dict(row, household_key=bool(row["household_key"])), now=now)
    return giveaway_id


# ---------------------------------------------------------------- reading giveaways

_GIVEAWAY_SQL = """
    select g.*, s.iccid, s.voucher_code, b.id as batch_id, b.item, b.network, b.offer,
           b.months, v.name as venue_name, u.display_name as given_by_name,
           r.version as rule_version, se.title as session_title, l.first_name as learner_name
    from sim_giveaways g join sims s on s.id = g.sim_id
    join sim_batches b on b.id = s.batch_id join venues v on v.id = g.venue_id
    join eligibility_rule_sets r on r.id = g.rule_set_id
    left join users u on u.id = g.given_by left join sessions se on se.id = g.session_id
    left join learners l on l.id = g.learner_id"""


def _described(row) -> dict:
    """A giveaway as reports and screens show it: local day, month, who (in kind only),
    the last four characters of the SIM, and when its data runs out."""
    row = dict(row)
    day = local_day(row["given_at"])
    row.update(
        day=day, month=day.strftime("%Y-%m"), ticks=json.loads(row["ticks"]),
        code_end=(row["iccid"] or row["voucher_code"])[-4:],
        who="learner" if row["learner_id"] else (
            "household" if row["household_key"] else "anonymous"),
        expected_end=add_months(day, row["months"]) if row["months"] else None)
    return row


def get_giveaway(db, giveaway_id) -> dict | None:
    giveaway_id = parse_id(giveaway_id)
    row = first(db.query(_GIVEAWAY_SQL + " where g.id = ?", [giveaway_id])) \
        if giveaway_id else None
    return _described(row) if row else None


def _utc_bounds(first_day: date, last_day: date) -> tuple[str, str]:
    """Local days first..last as UTC stamps [start, end), for comparing stored stamps."""
    start = datetime.combine(first_day, time(0), LOCAL_TZ)
    end = datetime.combine(last_day + timedelta(days=1), time(0), LOCAL_TZ)
    return stamp(start), stamp(end)


def sims_given(db, first_day: date, last_day: date, venue_id=None) -> list[dict]:
    """Every SIM given on local days first..last (at one venue or all), newest first:
    the rows behind every figure in the report."""
    start, end = _utc_bounds(first_day, last_day)
    return [_described(r) for r in db.query(
        _GIVEAWAY_SQL + """ where g.given_at >= :start and g.given_at < :end
                           and (:venue is null or g.venue_id = :venue)
                           order by g.given_at desc, g.id desc""",
        {"start": start, "end": end, "venue": parse_id(venue_id)})]


def by_venue_month(rows: list[dict]) -> dict:
    """SIMs given per venue per month, with totals each way."""
    months = sorted({r["month"] for r in rows})
    venues = {}
    for r in rows:
        venue = venues.setdefault(r["venue_id"], {"venue_id": r["venue_id"],
                                                  "venue_name": r["venue_name"],
                                                  "months": Counter(), "total": 0})
        venue["months"][r["month"]] += 1
        venue["total"] += 1
    return {"months": [{"key": m, "label": date.fromisoformat(m + "-01").strftime("%b %Y")}
                       for m in months],
            "venues": sorted(venues.values(), key=lambda v: v["venue_name"].casefold()),
            "totals": Counter(r["month"] for r in rows), "total": len(rows)}


def by_network(rows: list[dict]) -> list[dict]:
    """SIMs given per network and offer, most first."""
    counts = Counter((r["network"], r["item"], r["offer"]) for r in rows)
    return [{"network": n, "item": i, "offer": o, "given": c}
            for (n, i, o), c in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


def by_criterion(db, rows: list[dict]) -> list[dict]:
    """For each rule-set version used: how many SIMs, how often each criterion was
    ticked, and how many were given with a reason despite the rules."""
    versions = []
    for rule_set_id in sorted({r["rule_set_id"] for r in rows}):
        rule_set = get_rule_set(db, rule_set_id)
        used = [r for r in rows if r["rule_set_id"] == rule_set_id]
        ticked = Counter(key for r in used for key in r["ticks"])
        versions.append({
            "version": rule_set["version"], "repeat_months": rule_set["repeat_months"],
            "given": len(used), "not_eligible": sum(1 for r in used if not r["eligible"]),
            "overridden": sum(1 for r in used if r["override_reason"]),
            "criteria": [dict(c, ticked=ticked[c["key"]]) for c in rule_set["criteria"]]})
    return versions
