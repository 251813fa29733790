"""Free SIMs, the rules: importing stock, stock counts, giving one (eligibility, who it is
for, the repeat rule), taking one out of stock, and the report figures."""

import json
import threading
from datetime import timedelta

import pytest

import db as dbmod
import learners
import volunteers
from audit import Actor, history, utcnow
from giveaways import eligibility, sims
from lending import _luhn_ok, today
from tests.test_volunteers import session_around
from validation import InvalidInput

STAFF = Actor(None, "test")
ELIGIBLE = ["age_18_plus", "low_income", "cannot_afford"]
HOUSE = {"house": "12", "postcode": "WN5 0AB"}


def iccid(n: int, prefix: str = "894410") -> str:
    """A valid 19-digit ICCID (Luhn check digit added)."""
    base = f"{prefix}{n:012d}"
    return next(base + d for d in "0123456789" if _luhn_ok(base + d))


def batch(**overrides) -> dict:
    form = {"venue": "", "item": "sim", "network": "O2", "offer": "25 GB a month",
            "months": "12", "received_on": today().isoformat(), "codes": ""}
    form.update(overrides)
    return form


def add_stock(db, venue, count=3, start=0, **overrides) -> list[str]:
    codes = [iccid(n) for n in range(start, start + count)]
    sims.add_batch(db, STAFF, batch(venue=venue, codes="\n".join(codes), **overrides))
    return codes


def give(db, venue, code, actor=STAFF, ticks=ELIGIBLE, **who):
    who = who or {"anonymous": True}
    return sims.give_sim(db, actor, code, venue, ticks, **who)


def add_learner(db, venue, name="Mo") -> int:
    return learners.add_learner(db, STAFF, {"first_name": name, "consent_keep": "yes",
                                            "postcode": "WN5"}, venue)


def in_stock(db, venue) -> int:
    return next((v["in_stock"] for v in sims.stock(db) if v["venue_id"] == venue), 0)


# ---------------------------------------------------------------- importing stock


def test_a_batch_adds_every_sim_in_one_go_and_is_audited(db, venue):
    codes = add_stock(db, venue, 3)
    assert db["sims"].count == 3
    assert {r["iccid"] for r in db["sims"].rows} == set(codes)
    batch_row = next(db["sim_batches"].rows)
    assert json.loads(history(db, "sim_batches", batch_row["id"])[0]["after"])["count"] == 3


def test_spaces_a_heading_and_a_csv_column_are_fine(db, venue):
    text = "ICCID,note\n" + f"{iccid(1)[:4]} {iccid(1)[4:]},box 1\n\n\"{iccid(2)}\",box 2\n"
    sims.add_batch(db, STAFF, batch(venue=venue, codes=text))
    assert sorted(r["iccid"] for r in db["sims"].rows) == [iccid(1), iccid(2)]


def test_every_bad_line_is_reported_with_its_number_and_nothing_is_written(db, venue):
    bad_luhn = iccid(3)[:-1] + str((int(iccid(3)[-1]) + 1) % 10)
    text = "\n".join([iccid(1), "12345", bad_luhn, "not a sim", iccid(1)])
    with pytest.raises(InvalidInput) as e:
        sims.add_batch(db, STAFF, batch(venue=venue, codes=text))
    message = e.value.errors["codes"]
    assert message.startswith("Nothing was added.")
    assert "Line 2: 12345 has 5 digits; an ICCID has 19 or 20." in message
    assert f"Line 3: {bad_luhn} fails the check digit" in message
    assert "Line 4: “not a sim” is not a SIM number" in message
    assert f"Line 5: {iccid(1)} is also on line 1." in message
    assert db["sims"].count == 0 and db["sim_batches"].count == 0


def test_a_number_already_in_stock_refuses_the_whole_list(db, venue, other_venue):
    add_stock(db, venue, 2)
    with pytest.raises(InvalidInput) as e:
        sims.add_batch(db, STAFF, batch(venue=other_venue, codes=f"{iccid(7)}\n{iccid(1)}"))
    assert e.value.errors["codes"] == (f"Nothing was added. Line 2: {iccid(1)} is already on "
                                       "our stock list.")
    assert db["sims"].count == 2 and db["sim_batches"].count == 1


def test_voucher_codes_are_kept_in_capitals(db, venue):
    sims.add_batch(db, STAFF, batch(venue=venue, item="voucher", codes="abc-123\nXYZ 999"))
    assert sorted(r["voucher_code"] for r in db["sims"].rows) == ["ABC-123", "XYZ999"]
    assert sims.sim_for_scan(db, " xyz999 ", venue)["voucher_code"] == "XYZ999"


def test_the_batch_details_are_checked_all_at_once(db, venue):
    future = (today() + timedelta(days=1)).isoformat()
    with pytest.raises(InvalidInput) as e:
        sims.add_batch(db, STAFF, batch(venue="99", item="pigeon", network="", offer="",
                                        months="40", received_on=future, codes=iccid(1)))
    assert set(e.value.errors) == {"venue", "item", "network", "offer", "months",
                                   "received_on"}


# ---------------------------------------------------------------- stock


def test_stock_counts_by_venue_network_and_low_stock(db, venue, other_venue):
    add_stock(db, venue, 3)
    add_stock(db, other_venue, 12, start=100, network="Vodafone", offer="40 GB")
    give(db, venue, iccid(0))
    rows = {v["venue_id"]: v for v in sims.stock(db)}
    assert (rows[venue]["in_stock"], rows[venue]["given"], rows[venue]["low"]) == (2, 1, True)
    assert rows[other_venue]["lines"][0]["network"] == "Vodafone"
    assert rows[other_venue]["low"] is False
    sims.set_low_stock_threshold(db, STAFF, "13")
    assert all(v["low"] for v in sims.stock(db))


def test_the_threshold_is_a_whole_number_and_audited(db):
    with pytest.raises(InvalidInput) as e:
        sims.set_low_stock_threshold(db, STAFF, "-1")
    assert e.value.errors == {"low_stock": sims.BAD_LOW_STOCK}
    assert sims.set_low_stock_threshold(db, STAFF, "4") == 4
    assert sims.low_stock_threshold(db) == 4
    assert json.loads(history(db, "settings", "sim_low_stock")[0]["after"]) == {"value": 4}


def test_void_takes_a_sim_out_of_stock_with_a_reason(db, venue):
    add_stock(db, venue, 2)
    with pytest.raises(InvalidInput) as e:
        sims.void_sim(db, STAFF, iccid(0), " ")
    assert e.value.errors == {"reason": sims.NEED_VOID_REASON}
    sims.void_sim(db, STAFF, iccid(0), "Snapped in half")
    assert in_stock(db, venue) == 1
    with pytest.raises(InvalidInput) as e:
        give(db, venue, iccid(0))
    assert e.value.errors["scan"].endswith("was taken out of stock: Snapped in half")


# ---------------------------------------------------------------- scanning


def test_a_scan_finds_the_sim_with_spaces_or_refuses_clearly(db, venue, other_venue):
    add_stock(db, venue, 1)
    add_stock(db, other_venue, 1, start=50)
    code = iccid(0)
    assert sims.sim_for_scan(db, f" {code[:5]} {code[5:10]} {code[10:]} ", venue)["iccid"] == code
    for scanned, message in (
            ("", sims.EMPTY_SCAN),
            ("/l/ABCD1234", sims.CARD_NOT_SIM),
            (iccid(9), f"We have no SIM or voucher “{iccid(9)}” on our stock list."),
            (iccid(50), "is in stock at Leigh Library, not here.")):
        with pytest.raises(InvalidInput) as e:
            sims.sim_for_scan(db, scanned, venue)
        assert message in e.value.errors["scan"]


# ---------------------------------------------------------------- giving


def test_giving_records_ticks_rule_version_and_who_gave_it_and_where(db, venue):
    add_stock(db, venue, 1)
    giveaway = give(db, venue, iccid(0), ticks=ELIGIBLE + ["made_up"], **{"household": HOUSE})
    row = db["sim_giveaways"].get(giveaway["id"])
    assert json.loads(row["ticks"]) == ELIGIBLE
    assert row["rule_set_id"] == eligibility.current_rule_set(db, "sim")["id"]
    assert (row["eligible"], row["venue_id"], row["postcode_district"]) == (1, venue, "WN5")
    assert giveaway["expected_end"] == sims.add_months(today(), 12)
    assert db["sims"].get(row["sim_id"])["status"] == "given"
    assert history(db, "sim_giveaways", giveaway["id"])[0]["action"] == "sim.give"


def test_the_household_is_a_keyed_hash_never_the_address(db, venue):
    add_stock(db, venue, 1)
    give(db, venue, iccid(0), household={"house": "Flat 3, Rose Court", "postcode": "wn5 0ab"})
    dump = "\n".join(db.conn.iterdump())
    assert "rose" not in dump.lower()
    assert "wn5 0ab" not in dump.lower() and "wn50ab" not in dump.lower()
    key, district = sims.household_key(db, "flat 3 rose court", "WN50AB")
    assert db["sim_giveaways"].get(1)["household_key"] == key and district == "WN5"
    assert sims.household_key(db, "Flat 4, Rose Court", "WN5 0AB")[0] != key


@pytest.mark.parametrize("house,postcode,field", [
    ("", "WN5 0AB", "house"), ("12", "WN5", "postcode"), ("12", "<b>", "postcode")])
def test_a_household_needs_a_house_and_a_full_postcode(db, house, postcode, field):
    with pytest.raises(InvalidInput) as e:
        sims.household_key(db, house, postcode)
    assert field in e.value.errors


def test_someone_must_be_chosen_learner_household_or_anonymous(db, venue):
    add_stock(db, venue, 1)
    with pytest.raises(InvalidInput) as e:
        sims.give_sim(db, STAFF, iccid(0), venue, ELIGIBLE)
    assert e.value.errors == {"who": sims.PICK_WHO}
    assert db["sim_giveaways"].count == 0


def test_nothing_ticked_is_refused_even_with_a_reason(db, venue):
    add_stock(db, venue, 1)
    with pytest.raises(InvalidInput) as e:
        give(db, venue, iccid(0), ticks=[], anonymous=True, override_reason="Trust them")
    assert e.value.errors == {"ticks": sims.NO_TICKS}


def test_not_eligible_says_what_is_missing_and_a_reason_overrides_it(db, venue):
    add_stock(db, venue, 1)
    with pytest.raises(InvalidInput) as e:
        give(db, venue, iccid(0), ticks=["age_18_plus", "cannot_afford"])
    assert e.value.errors == {
        "ticks": "Not eligible under the council's rules: still needs “On a low income (for "
                 "example on benefits)”. To give it anyway, say why below.",
        "override_reason": sims.NEED_REASON}
    giveaway = give(db, venue, iccid(0), ticks=["age_18_plus", "cannot_afford"],
                    anonymous=True, override_reason="Referred by the food bank")
    assert (giveaway["eligible"], giveaway["override_reason"]) == (0, "Referred by the food bank")


def test_the_repeat_rule_needs_a_reason_which_is_stored_and_audited(db, venue):
    add_stock(db, venue, 3)
    give(db, venue, iccid(0), household=HOUSE)
    with pytest.raises(InvalidInput) as e:
        give(db, venue, iccid(1), household={"house": " 12 ", "postcode": "wn50ab"})
    assert e.value.errors["override_reason"] == (
        f"A SIM was given to this household on {sims.day_words(today())} at Wigan Library. "
        "The council's rule is one every 6 months, so the next is due from "
        f"{sims.day_words(sims.add_months(today(), 6))}. To give another now, say why.")
    assert in_stock(db, venue) == 2
    second = give(db, venue, iccid(1), household=HOUSE, override_reason="First SIM was stolen")
    entry = json.loads(history(db, "sim_giveaways", second["id"])[0]["after"])
    assert entry["override_reason"] == "First SIM was stolen"
    give(db, venue, iccid(2), household={"house": "14", "postcode": "WN5 0AB"})  # next door


def test_the_repeat_rule_ends_after_the_councils_months(db, venue):
    add_stock(db, venue, 2)
    earlier = utcnow() - timedelta(days=200)
    sims.give_sim(db, STAFF, iccid(0), venue, ELIGIBLE, household=HOUSE, now=earlier)
    assert give(db, venue, iccid(1), household=HOUSE)["override_reason"] is None


def test_a_learner_is_checked_by_learner_and_anonymous_is_never_checked(db, venue):
    add_stock(db, venue, 4)
    learner = add_learner(db, venue)
    give(db, venue, iccid(0), learner_id=learner)
    with pytest.raises(InvalidInput) as e:
        give(db, venue, iccid(1), learner_id=learner)
    assert "given to this learner" in e.value.errors["override_reason"]
    give(db, venue, iccid(2), anonymous=True)
    give(db, venue, iccid(3), anonymous=True)


def test_a_double_tap_gives_once(db, venue):
    add_stock(db, venue, 2)
    first = give(db, venue, iccid(0), anonymous=True, request_id="tap-1")
    again = sims.give_sim(db, STAFF, iccid(1), venue, ELIGIBLE, anonymous=True,
                          request_id="tap-1")
    assert again["id"] == first["id"] and db["sim_giveaways"].count == 1


def test_a_sim_is_never_given_twice(db, venue):
    add_stock(db, venue, 1)
    give(db, venue, iccid(0))
    with pytest.raises(InvalidInput) as e:
        give(db, venue, iccid(0))
    assert "was already given on" in e.value.errors["scan"]


def test_the_session_the_volunteer_is_signed_in_to_is_recorded(db, venue, volunteer):
    add_stock(db, venue, 1)
    session = session_around(db, venue, utcnow())
    volunteers.sign_in(db, Actor(volunteer, "Asha"), volunteer, session)
    giveaway = give(db, venue, iccid(0), actor=Actor(volunteer, "Asha"))
    assert giveaway["session_id"] == session and giveaway["given_by"] == volunteer


# ---------------------------------------------------------------- at the same time


def test_concurrent_giveaways_never_give_a_sim_twice_or_go_negative(app, db, venue):
    add_stock(db, venue, 10)
    path, outcomes, lock = app.config["DATABASE"], [], threading.Lock()
    start = threading.Barrier(24)

    def attempt(n):
        conn = dbmod.connect(path)
        start.wait()
        try:
            give(conn, venue, iccid(n % 12))  # 12 codes: two are not in stock at all
            result = "given"
        except InvalidInput as e:
            result = e.errors["scan"]
        finally:
            conn.conn.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(24)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("given") == 10
    refused = [o for o in outcomes if o != "given"]
    assert len(refused) == 14 and all(isinstance(o, str) and o for o in refused)
    sim_ids = [r["sim_id"] for r in db["sim_giveaways"].rows]
    assert len(sim_ids) == len(set(sim_ids)) == 10
    assert in_stock(db, venue) == 0
    assert db.execute("select count(*) from sims where status = 'given'").fetchone()[0] == 10


# ---------------------------------------------------------------- rules and reports


def test_a_new_rule_set_version_keeps_keys_and_earlier_giveaways_keep_theirs(db, venue):
    add_stock(db, venue, 2)
    give(db, venue, iccid(0))
    saved = eligibility.save_rule_set(db, STAFF, "sim", {
        "required": "Aged 18 or over\nLives in the borough", "one_of": "",
        "repeat_months": "12"})
    assert saved["version"] == 2 and saved["repeat_months"] == 12
    assert [c["key"] for c in saved["criteria"]] == ["age_18_plus", "lives_in_the_borough"]
    give(db, venue, iccid(1), ticks=["age_18_plus", "lives_in_the_borough"])
    versions = sims.by_criterion(db, sims.sims_given(db, today(), today()))
    assert [(v["version"], v["given"]) for v in versions] == [(1, 1), (2, 1)]
    assert history(db, "eligibility_rule_sets", saved["id"])[0]["action"] == \
        "eligibility.new_version"


def test_saving_the_same_rules_or_nonsense_is_refused(db):
    with pytest.raises(InvalidInput) as e:
        eligibility.save_rule_set(db, STAFF, "sim", {"required": "", "one_of": "",
                                                     "repeat_months": "x"})
    assert set(e.value.errors) == {"required", "repeat_months"}
    current = eligibility.current_rule_set(db, "sim")
    same = {g: "\n".join(c["label"] for c in current["criteria"] if c["group"] == g)
            for g in eligibility.GROUPS}
    with pytest.raises(InvalidInput) as e:
        eligibility.save_rule_set(db, STAFF, "sim", dict(same, repeat_months="6"))
    assert "same as version 1" in e.value.errors["required"]


def test_report_figures_per_venue_month_network_and_criterion(db, venue, other_venue):
    add_stock(db, venue, 2)
    add_stock(db, other_venue, 1, start=20, network="Three", offer="Unlimited")
    give(db, venue, iccid(0))
    give(db, venue, iccid(1), ticks=["age_18_plus", "low_income", "no_internet_home"])
    give(db, other_venue, iccid(20))
    rows = sims.sims_given(db, today(), today())
    assert len(rows) == 3 and len(sims.sims_given(db, today(), today(), venue)) == 2
    months = sims.by_venue_month(rows)
    assert [(v["venue_name"], v["total"]) for v in months["venues"]] == [
        ("Leigh Library", 1), ("Wigan Library", 2)]
    assert months["totals"][today().strftime("%Y-%m")] == 3
    assert [(n["network"], n["given"]) for n in sims.by_network(rows)] == [("O2", 2),
                                                                          ("Three", 1)]
    ticked = {c["key"]: c["ticked"] for c in sims.by_criterion(db, rows)[0]["criteria"]}
    assert ticked == {"age_18_plus": 3, "low_income": 3, "no_internet_home": 1,
                      "no_internet_away": 0, "cannot_afford": 2}
    yesterday = today() - timedelta(days=1)
    assert sims.sims_given(db, yesterday, yesterday) == []
