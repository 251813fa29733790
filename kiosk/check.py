"""The kiosk's eligibility check: "Can I get a free SIM or a laptop?" in a few big yes/no
questions, then "you can probably get…" and a way to ask staff to follow it up.

The answers live only in the kiosk session (Start again and the idle reset wipe them);
nothing reaches the database until the person taps to leave their details or "I'll come
back", and then everything is written at once (giveaways/interest.register).
"""

from flask import g, redirect, render_template, request, session, url_for

import help_desk
from auth import kiosk_required
from db import get_db
from giveaways import interest
from i18n import _
from kiosk import whats_on  # its QR drawing (imported as a module: each imports views)
from kiosk.views import _kiosk_actor, bp
from public import public_url

STATE = "kiosk_check"  # {"answers": {question id: bool}, "rules": [rule set ids asked under],
#                         "request_id": one-time form id}
DONE = "kiosk_interest"  # {"reference", "come_back"}: only for the thank-you screen


def _state() -> dict:
    state = session.get(STATE)
    if not isinstance(state, dict) or not isinstance(state.get("answers"), dict):
        return {}
    return state


def _rules(questions: list[dict]) -> list[int]:
    """The rule sets the questions come from: answers given under others start again, even
    where a question keeps its id (the council reworded an "At least one of these" list)."""
    return sorted({q["rule_set_id"] for q in questions})


def _fresh(questions: list[dict]) -> dict:
    """A new check: no answers, and a new one-time id for the registration at its end."""
    state = {"answers": {}, "rules": _rules(questions), "request_id": help_desk.new_request_id()}
    session[STATE] = state
    session.pop(DONE, None)
    return state


def _answers(questions: list[dict]) -> dict:
    """This person's answers so far, when given under the rules in force now."""
    state = _state()
    if state.get("rules") != _rules(questions):
        return {}
    return state["answers"]


def _answered(questions: list[dict], answers: dict) -> int:
    """How many questions, from the first, have an answer."""
    count = 0
    for question in questions:
        if not isinstance(answers.get(question["id"]), bool):
            break
        count += 1
    return count


def _question(questions: list[dict], number: int, errors=None, status=200):
    question = questions[number - 1]
    return render_template("kiosk/check_question.html", question=question, number=number,
                           total=len(questions), titles=interest.SCHEME_TITLES,
                           errors=errors or {},
                           here=url_for("kiosk.check_question", number=number)), status


def _start_again(questions: list[dict], status: int):
    """The answers are gone (Start again, the idle reset, or the rules changed meanwhile):
    say so beside the first question, and keep nothing of the old answers."""
    _fresh(questions)
    if not questions:
        return redirect(url_for("kiosk.check_result"))
    return _question(questions, 1, {"answers": _(interest.NEED_ANSWERS)}, status)


@bp.get("/check")
@kiosk_required
def check():
    """The tile on the start screen: a new check, whatever the last person left."""
    if not _fresh(interest.questions(get_db()))["rules"]:
        return redirect(url_for("kiosk.check_result"))
    return redirect(url_for("kiosk.check_question", number=1))


@bp.get("/check/<int:number>")
@kiosk_required
def check_question(number):
    questions = interest.questions(get_db())
    if not 1 <= number <= len(questions):
        return redirect(url_for("kiosk.check"))
    if _answered(questions, _answers(questions)) < number - 1:
        return _start_again(questions, 200)
    return _question(questions, number)


@bp.post("/check/<int:number>")
@kiosk_required
def check_answer(number):
    questions = interest.questions(get_db())
    state = _state()
    if state.get("rules") != _rules(questions) or not state.get("request_id"):
        state = _fresh(questions)  # answers from other rules, or none at all: only 1 will do
    answers = state["answers"]
    if (not 1 <= number <= len(questions) or _answered(questions, answers) < number - 1
            or request.form.get("question") != questions[number - 1]["id"]):
        return _start_again(questions, 422)
    answer = request.form.get("answer")
    if answer not in ("yes", "no"):
        return _question(questions, number, {"answer": _("Please tap Yes or No.")}, 422)
    session[STATE] = dict(state, answers=dict(answers, **{questions[number - 1]["id"]:
                                                          answer == "yes"}))
    if number < len(questions):
        return redirect(url_for("kiosk.check_question", number=number + 1), 303)
    return redirect(url_for("kiosk.check_result"), 303)


def _complete(db):
    """The whole set of answers to the questions asked now, or None."""
    questions = interest.questions(db)
    return interest.clean_answers(db, _answers(questions)) if _state() else None


@bp.get("/check/result")
@kiosk_required
def check_result():
    db = get_db()
    answers = _complete(db)
    if answers is None:
        return _start_again(interest.questions(db), 200)
    result = interest.outcome(db, answers)
    return render_template("kiosk/check_result.html", suggests=result["suggests"],
                           words=interest.SCHEME_WORDS, request_id=_state()["request_id"])


def _details(form: dict, errors: dict, status=200):
    return render_template("kiosk/check_details.html", form=form, errors=errors,
                           here=url_for("kiosk.check_details")), status


@bp.get("/check/details")
@kiosk_required
def check_details():
    db = get_db()
    if _complete(db) is None:
        return _start_again(interest.questions(db), 200)
    return _details({"first_name": "", "contact": "", "request_id": _state()["request_id"]},
                    {})


@bp.post("/check/register")
@kiosk_required
def check_register():
    """"Send" (a first name and a phone number or email) or "I'll come back": the one
    moment anything is written. A second tap on the same form finds the first one's
    registration; answers wiped meanwhile write nothing and say why."""
    db = get_db()
    typed = {"first_name": request.form.get("first_name", ""),
             "contact": request.form.get("contact", ""),
             "request_id": request.form.get("request_id", "")}
    come_back = bool(request.form.get("come_back"))
    kind = "come_back" if come_back else interest.contact_kind_for(typed["contact"])
    try:
        made = interest.register(db, _kiosk_actor(), g.kiosk["venue_id"],
                                 _complete(db),
                                 dict(typed, contact_kind=kind,
                                      contact="" if come_back else typed["contact"]),
                                 request_id=typed["request_id"],
                                 rule_set_ids=_state().get("rules"))
    except interest.InvalidInput as e:
        if "answers" in e.errors:
            return _start_again(interest.questions(db), 422)
        return _details(typed, e.errors, 422)
    session.pop(STATE, None)
    session[DONE] = {"reference": made["reference"],
                     "come_back": made["contact_kind"] == "come_back"}
    return redirect(url_for("kiosk.check_thanks"), 303)


@bp.get("/check/thanks")
@kiosk_required
def check_thanks():
    """The reference, big, and as a QR code of its opaque address: the thank-you screen
    comes from the kiosk session (wiped by reset and idle), never from the address."""
    done = session.get(DONE)
    if not isinstance(done, dict) or not interest.normal_reference(done.get("reference")):
        return redirect(url_for("kiosk.start"))
    reference = done["reference"]
    url = public_url("public.interest_reference", reference=reference)
    name = _("Square code with your reference, %(reference)s", reference=reference)
    return render_template("kiosk/check_thanks.html", reference=reference,
                           come_back=bool(done.get("come_back")),
                           qr=whats_on.draw_qr_svg(url, name))
