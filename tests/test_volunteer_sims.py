"""Giving a SIM on the volunteer tablet: scan, tick, who it is for, give; what the volunteer
sees and what the database holds afterwards."""

import pytest

from giveaways import sims
from lending import today
from tests.test_sims import ELIGIBLE, add_learner, add_stock, iccid

pytestmark = pytest.mark.usefixtures("fast_hashing")


def text(response) -> str:
    return response.get_data(as_text=True)


def give_form(code, **overrides) -> dict:
    form = {"stage": "give", "scan": code, "ticks": ELIGIBLE, "who": "household",
            "house": "12", "postcode": "WN5 0AB", "request_id": ""}
    form.update(overrides)
    return form


def test_scan_then_give_then_see_the_offer_and_end_date(db, venue, volunteer,
                                                        volunteer_client):
    add_stock(db, venue, 2)
    page = text(volunteer_client.get("/volunteer/sims/give"))
    assert "SIM card or voucher code" in page and "Find SIM" in page
    found = volunteer_client.post("/volunteer/sims/give", data={"scan": iccid(0)})
    assert found.status_code == 303
    page = text(volunteer_client.get(found.headers["Location"]))
    assert "Aged 18 or over" in page and "At least one of these" in page
    assert "Give SIM" in page and "Reason to give it anyway" not in page
    done = volunteer_client.post("/volunteer/sims/give", data=give_form(iccid(0)),
                                 follow_redirects=True)
    page = text(done)
    assert "SIM given" in page and "25 GB a month" in page
    assert sims.day_words(sims.add_months(today(), 12)) in page
    assert "A household in WN5" in page
    row = db["sim_giveaways"].get(1)
    assert (row["given_by"], row["venue_id"], row["postcode_district"]) == (volunteer, venue,
                                                                           "WN5")


def test_the_repeat_rule_asks_for_a_reason_and_keeps_the_form(db, venue, volunteer_client):
    add_stock(db, venue, 2)
    volunteer_client.post("/volunteer/sims/give", data=give_form(iccid(0)))
    refused = volunteer_client.post("/volunteer/sims/give",
                                    data=give_form(iccid(1), house=" 12", postcode="wn50ab"))
    page = text(refused)
    assert refused.status_code == 422
    assert "A SIM was given to this household on" in page
    assert "Reason to give it anyway" in page and 'value="wn50ab"' in page
    assert db["sim_giveaways"].count == 1
    ok = volunteer_client.post("/volunteer/sims/give", data=give_form(
        iccid(1), override_reason="Their first SIM was stolen"))
    assert ok.status_code == 303
    assert db["sim_giveaways"].get(2)["override_reason"] == "Their first SIM was stolen"


def test_a_learner_card_links_the_learner(db, venue, volunteer_client):
    add_stock(db, venue, 1)
    learner = add_learner(db, venue)
    card = db["learners"].get(learner)["card_code"]
    response = volunteer_client.post("/volunteer/sims/give", data=give_form(
        iccid(0), who="learner", card=f"https://x.example/l/{card}"))
    assert response.status_code == 303
    assert db["sim_giveaways"].get(1)["learner_id"] == learner


def test_find_a_learner_by_name_and_choose_them(db, venue, volunteer_client):
    add_stock(db, venue, 1)
    learner = add_learner(db, venue, "Mohammed")
    page = text(volunteer_client.get(f"/volunteer/sims/give?scan={iccid(0)}&q=moh"))
    assert "Choose Mohammed (WN5)" in page
    page = text(volunteer_client.get(f"/volunteer/sims/give?scan={iccid(0)}&learner={learner}"))
    assert f'name="learner_id" value="{learner}"' in page


def test_a_sim_from_another_venue_is_refused_by_the_scan_box(db, venue, other_venue,
                                                             volunteer_client):
    add_stock(db, other_venue, 1)
    response = volunteer_client.post("/volunteer/sims/give", data={"scan": iccid(0)})
    assert response.status_code == 422
    assert "is in stock at Leigh Library, not here." in text(response)
