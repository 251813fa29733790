"""Bad-input cases for the kiosk's eligibility check (kiosk/check.py); run by
tests/test_bad_input.py. The kiosk here has no answers in its session, as after Start
again or the idle reset: nothing can be registered, and the person is told why. Every form
here is listed in FORMS."""

from giveaways.interest import NEED_ANSWERS
from tests.bad_input.case import Case

TEN_K = 10_000
HTML = '"><script>alert(1)</script>'
REGISTER = "/kiosk/check/register"
FIRST = "/kiosk/check/1"
TAP_YES_OR_NO = "Please tap Yes or No."

CASES = [
    Case("check-register-answers-wiped", "kiosk", "POST", REGISTER,
         {"first_name": "Joan", "contact": "07700 900123", "request_id": "late-tap"},
         {"answers": NEED_ANSWERS}, status=422),
    Case("check-come-back-answers-wiped", "kiosk", "POST", REGISTER,
         {"come_back": "1", "request_id": HTML}, {"answers": NEED_ANSWERS}, status=422),
    Case("check-register-junk", "kiosk", "POST", REGISTER,
         {"first_name": "J" * TEN_K, "contact": HTML, "come_back": ["1", "2"],
          "request_id": "r" * TEN_K}, {"answers": NEED_ANSWERS}, status=422),
    Case("check-answer-junk", "kiosk", "POST", FIRST,
         {"question": "sim.age_18_plus", "answer": "y" * TEN_K}, {"answer": TAP_YES_OR_NO},
         status=422),
    Case("check-answer-no-answer", "kiosk", "POST", FIRST, {"question": "sim.age_18_plus"},
         {"answer": TAP_YES_OR_NO}, status=422),
    Case("check-answer-another-question", "kiosk", "POST", FIRST,
         {"question": HTML, "answer": "yes"}, {"answers": NEED_ANSWERS}, status=422),
    Case("check-answer-skipping-ahead", "kiosk", "POST", "/kiosk/check/3",
         {"question": "sim.one_of", "answer": "yes"}, {"answers": NEED_ANSWERS}, status=422),
    Case("check-answer-no-such-question", "kiosk", "POST", "/kiosk/check/99",
         {"question": "sim.one_of", "answer": "yes"}, {"answers": NEED_ANSWERS}, status=422),
    Case("check-result-answers-wiped", "kiosk", "GET", "/kiosk/check/result", None,
         {"answers": NEED_ANSWERS}, status=200),
    Case("check-no-such-question-page", "kiosk", "GET", "/kiosk/check/99", None,
         message="Does this apply to you?", follow=True, status=200),
]

FORMS = [("POST", FIRST), ("POST", REGISTER)]


def extend_world(db, ids: dict) -> None:
    """Nothing to add: the check keeps its answers in the kiosk session only."""
