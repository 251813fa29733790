"""Overdue loans, reminders by email and SMS, the call-or-write list, and the carriers
behind them (SMTP and GOV.UK Notify) driven through fakes: nothing here touches a network."""

import json
import smtplib
from datetime import UTC, date, datetime, timedelta

import pytest
import requests
from notifications_python_client.errors import HTTPError

import notifier
import reminders
from audit import Actor
from notifier import (
    CombinedNotifier,
    GovNotifySmsNotifier,
    Message,
    OutboxNotifier,
    Receipt,
    SendFailed,
    SmtpNotifier,
    notifier_from_config,
)
from validation import InvalidInput

TODAY = date(2026, 11, 10)  # a Tuesday
NOW = datetime(2026, 11, 10, 9, 0, tzinfo=UTC)
CREATED = "2026-10-01T10:00:00+00:00"
SERVICE = "Wigan Digital Lending"
PHONE = "01942 000 111"
# The shape of a Notify key (name, service id, secret); made up, and never sent anywhere.
NOTIFY_KEY = "doorstep_test-" + "1" * 8 + "-1111-1111-1111-" + "1" * 12 + "-" + "2" * 36


@pytest.fixture
def actor(staff):
    return Actor(staff, "Sam Staff")


class Lending:
    """Builds devices, borrowers, partners and loans straight into the table rows."""

    def __init__(self, db, venue):
        self.db = db
        self.venue = venue
        self.tags = 0

    def device(self, kind="tablet"):
        self.tags += 1
        return self.db["devices"].insert({
            "asset_tag": f"{kind[:3].upper()}-{self.tags:04d}", "kind": kind,
            "status": "on_loan", "created_at": CREATED, "updated_at": CREATED,
        }).last_pk

    def borrower(self, kind="mobile", contact="07700 900123", name="Pat Borrower"):
        return self.db["borrowers"].insert({
            "name": name, "contact_kind": kind, "contact": contact, "created_at": CREATED,
        }).last_pk

    def partner(self, name="Age UK Wigan", email=None, phone=None):
        return self.db["partners"].insert({
            "name": name, "email": email, "phone": phone, "created_at": CREATED,
        }).last_pk

    def loan(self, due_on, borrower=None, partner=None, kind="tablet", **extra):
        if borrower is None and partner is None:
            borrower = self.borrower()
        device = self.device(kind)
        row = {"device_id": device, "borrower_id": borrower, "partner_id": partner,
               "venue_id": self.venue, "out_at": CREATED, "due_on": due_on.isoformat(),
               "consent": "partner" if partner else "signed"}
        row.update(extra)
        loan_id = self.db["loans"].insert(row).last_pk
        return loan_id

    def tag(self, loan_id):
        return self.db.execute(
            "select asset_tag from devices join loans on loans.device_id = devices.id "
            "where loans.id = ?", [loan_id]).fetchone()[0]

    def reminders(self, loan_id=None):
        where, args = ("loan_id = ?", [loan_id]) if loan_id else (None, None)
        return list(self.db["loan_reminders"].rows_where(where, args, order_by="id"))

    def audits(self, loan_id=None):
        rows = self.db["audit_log"].rows_where("action = 'loan.reminder'", order_by="id")
        return [r for r in rows if loan_id is None or r["row_id"] == str(loan_id)]


@pytest.fixture
def lend(db, venue):
    return Lending(db, venue)


def days_ago(n):
    return TODAY - timedelta(days=n)


def send(db, outbox, actor, **kwargs):
    return reminders.send_reminders(db, outbox, actor, TODAY, SERVICE, PHONE, now=NOW,
                                    **kwargs)


# --- which loans are overdue -------------------------------------------------------------


def test_overdue_boundaries(db, lend):
    due_today = lend.loan(TODAY)
    tomorrow = lend.loan(TODAY + timedelta(days=1))
    yesterday = lend.loan(days_ago(1))
    long_ago = lend.loan(days_ago(30))
    awaiting_check = lend.loan(days_ago(5), returned_at=CREATED, returned_via="kiosk")
    closed = lend.loan(days_ago(5), returned_at=CREATED, closed_at=CREATED)

    rows = reminders.overdue(db, TODAY)

    ids = [r["loan_id"] for r in rows]
    assert ids == [long_ago, yesterday]  # oldest due first
    for left_out in (due_today, tomorrow, awaiting_check, closed):
        assert left_out not in ids
    assert [r["days_overdue"] for r in rows] == [30, 1]


def test_overdue_row_says_who_what_where(db, lend, venue):
    borrower = lend.borrower("email", "pat@example.org", name="Pat Borrower")
    loan = lend.loan(days_ago(3), borrower=borrower, kind="laptop")
    org = lend.partner(name="Age UK Wigan", email="office@ageuk.example")
    partner_loan = lend.loan(days_ago(2), partner=org)

    mine, theirs = reminders.overdue(db, TODAY)

    assert mine == {
        "loan_id": loan, "asset_tag": lend.tag(loan), "kind_label": "Laptop",
        "due_on": days_ago(3).isoformat(), "days_overdue": 3, "who": "Pat Borrower",
        "partner": False, "contact_kind": "email", "contact": "pat@example.org",
        "venue_name": "Wigan Library", "last_reminder_at": None, "reminders_sent": 0,
        "reminders_failed": 0,
    }
    assert theirs["loan_id"] == partner_loan
    assert theirs["who"] == "Age UK Wigan"
    assert theirs["partner"] is True
    assert (theirs["contact_kind"], theirs["contact"]) == ("email", "office@ageuk.example")


def test_call_or_letter_list(db, lend):
    landline = lend.loan(days_ago(4), borrower=lend.borrower("landline", "01942 123456"))
    nothing = lend.loan(days_ago(3), borrower=lend.borrower("none", None))
    blank_mobile = lend.loan(days_ago(2), borrower=lend.borrower("mobile", "  "))
    lend.loan(days_ago(2), borrower=lend.borrower("mobile", "07700 900123"))
    lend.loan(days_ago(2), borrower=lend.borrower("email", "a@example.org"))
    silent_partner = lend.loan(days_ago(1), partner=lend.partner("Silent Org"))
    office_phone = lend.loan(days_ago(1), partner=lend.partner("Desk Org", phone="01942 1"))
    lend.loan(days_ago(1), partner=lend.partner("Mobile Org", phone="+44 7700 900456"))

    rows = reminders.needs_call_or_letter(reminders.overdue(db, TODAY))

    assert [r["loan_id"] for r in rows] == [landline, nothing, blank_mobile, silent_partner,
                                            office_phone]
    assert [r["contact_kind"] for r in rows] == ["landline", "none", "none", "none",
                                                 "landline"]


# --- sending reminders -------------------------------------------------------------------


def test_sms_and_email_go_by_the_right_route_and_are_recorded(db, lend, actor):
    by_sms = lend.loan(date(2026, 11, 9), borrower=lend.borrower("mobile", "07700 900123"))
    by_email = lend.loan(date(2026, 11, 3),
                         borrower=lend.borrower("email", "pat@example.org", name="Pat Secret"))
    by_phone = lend.loan(days_ago(2), borrower=lend.borrower("landline", "01942 123456"))
    outbox = OutboxNotifier()

    summary = send(db, outbox, actor)

    assert summary == reminders.Summary(sent=2, failed=0, skipped=0, need_call=1)
    (email_channel, email), (sms_channel, sms) = outbox.sent  # oldest due first
    assert (email_channel, email.to) == ("email", "pat@example.org")
    assert (sms_channel, sms.to) == ("sms", "07700 900123")
    assert lend.tag(by_email) in email.subject
    for message, loan, due in ((email, by_email, "Tuesday 3 November"),
                               (sms, by_sms, "Monday 9 November")):
        assert lend.tag(loan) in message.body
        assert due in message.body
        assert PHONE in message.body
        assert "any library" in message.body
        assert "Pat" not in message.body  # nothing else about the borrower
    assert len(sms.body) <= 306  # two text messages at most

    sms_row, = lend.reminders(by_sms)
    assert sms_row["channel"] == "sms"
    assert sms_row["status"] == "sent"
    assert sms_row["reference"] == "outbox-2"
    assert sms_row["error"] is None
    assert sms_row["sent_by"] == actor.id
    assert sms_row["sent_at"] == "2026-11-10T09:00:00+00:00"
    assert lend.reminders(by_email)[0]["channel"] == "email"
    assert lend.reminders(by_phone) == []

    audit, = lend.audits(by_sms)
    assert audit["table_name"] == "loans"
    assert audit["actor_id"] == actor.id
    assert json.loads(audit["after"]) == {"reminder_id": sms_row["id"], "channel": "sms",
                                          "status": "sent"}
    assert sms.body not in audit["after"]
    assert "07700" not in audit["after"]


def test_partner_gets_email_or_a_text_to_a_mobile(db, lend, actor):
    emailed = lend.loan(days_ago(2), partner=lend.partner("Org A", email="a@org.example",
                                                          phone="07700 900999"))
    texted = lend.loan(days_ago(1), partner=lend.partner("Org B", phone="07700 900456"))
    outbox = OutboxNotifier()

    send(db, outbox, actor)

    assert [(c, m.to) for c, m in outbox.sent] == [("email", "a@org.example"),
                                                   ("sms", "07700 900456")]
    assert lend.reminders(emailed)[0]["channel"] == "email"
    assert lend.reminders(texted)[0]["channel"] == "sms"


def test_due_date_in_another_year_says_the_year(db, lend, actor):
    lend.loan(date(2025, 12, 29), borrower=lend.borrower("mobile", "07700 900123"))
    outbox = OutboxNotifier()

    send(db, outbox, actor)

    assert "Monday 29 December 2025" in outbox.messages("sms")[0].body


class FailsFor(OutboxNotifier):
    """An outbox that refuses some recipients, as a carrier would."""

    def __init__(self, *bad):
        super().__init__()
        self.bad = set(bad)

    def send_sms(self, message):
        if message.to in self.bad:
            raise SendFailed("Text message not sent: 400 - Not a UK mobile number")
        return super().send_sms(message)

    def send_email(self, message):
        if message.to in self.bad:
            raise SendFailed("Email not sent: mailbox unavailable")
        return super().send_email(message)


def test_a_failure_is_recorded_and_the_rest_still_go(db, lend, actor):
    first = lend.loan(days_ago(9), borrower=lend.borrower("mobile", "07700 900001"))
    broken = lend.loan(days_ago(8), borrower=lend.borrower("mobile", "07700 999999"))
    bounced = lend.loan(days_ago(7), borrower=lend.borrower("email", "gone@example.org"))
    last = lend.loan(days_ago(6), borrower=lend.borrower("email", "ok@example.org"))
    outbox = FailsFor("07700 999999", "gone@example.org")

    summary = send(db, outbox, actor)

    assert summary == reminders.Summary(sent=2, failed=2, skipped=0, need_call=0)
    assert [m.to for _, m in outbox.sent] == ["07700 900001", "ok@example.org"]
    failed, = lend.reminders(broken)
    assert failed["status"] == "failed"
    assert failed["reference"] is None
    assert "Not a UK mobile number" in failed["error"]
    assert lend.reminders(bounced)[0]["status"] == "failed"
    assert lend.reminders(first)[0]["status"] == "sent"
    assert lend.reminders(last)[0]["status"] == "sent"
    assert json.loads(lend.audits(broken)[0]["after"])["status"] == "failed"
    assert len(lend.audits()) == 4

    # A failure is not a reminder: the next run tries again.
    outbox.bad.clear()
    assert send(db, outbox, actor) == reminders.Summary(sent=2, failed=0, skipped=2,
                                                       need_call=0)
    assert [r["status"] for r in lend.reminders(broken)] == ["failed", "sent"]


def test_sms_not_set_up_is_a_recorded_failure(db, lend, actor):
    loan = lend.loan(days_ago(2), borrower=lend.borrower("mobile", "07700 900123"))

    summary = send(db, CombinedNotifier(email=OutboxNotifier()), actor)

    assert summary.failed == 1
    assert lend.reminders(loan)[0]["error"] == "SMS is not set up"


def test_reminders_are_spaced_out(db, lend, actor):
    recent = lend.loan(days_ago(20), borrower=lend.borrower("mobile", "07700 900001"))
    week_ago = lend.loan(days_ago(20), borrower=lend.borrower("mobile", "07700 900002"))
    phoned = lend.loan(days_ago(20), borrower=lend.borrower("mobile", "07700 900003"))
    db["loan_reminders"].insert_all([
        {"loan_id": recent, "sent_at": "2026-11-04T18:00:00+00:00", "channel": "sms",
         "status": "sent"},
        {"loan_id": week_ago, "sent_at": "2026-11-03T09:05:00+00:00", "channel": "sms",
         "status": "sent"},
        {"loan_id": phoned, "sent_at": "2026-11-08T11:00:00+00:00", "channel": "phone",
         "status": "noted"},
    ])
    outbox = OutboxNotifier()

    summary = send(db, outbox, actor)

    assert summary == reminders.Summary(sent=1, failed=0, skipped=2, need_call=0)
    assert [m.to for m in outbox.messages()] == ["07700 900002"]
    assert len(lend.reminders(recent)) == 1
    # Running again the same day sends nothing more.
    assert send(db, outbox, actor).skipped == 3
    assert len(outbox.sent) == 1
    # With no spacing at all, everyone gets one.
    assert send(db, outbox, actor, min_days_between=0).sent == 3


def test_overdue_counts_reminders(db, lend, actor):
    loan = lend.loan(days_ago(10), borrower=lend.borrower("mobile", "07700 999999"))
    send(db, FailsFor("07700 999999"), actor)
    reminders.note_contact(db, actor, loan, "letter", "Posted 2nd class", now=NOW)

    row, = reminders.overdue(db, TODAY)

    assert row["reminders_sent"] == 1
    assert row["reminders_failed"] == 1
    assert row["last_reminder_at"] == "2026-11-10T09:00:00+00:00"


# --- staff noting a call or a letter -----------------------------------------------------


def test_note_contact_records_a_noted_reminder(db, lend, actor):
    loan = lend.loan(days_ago(3), borrower=lend.borrower("landline", "01942 123456"))

    reminder_id = reminders.note_contact(db, actor, str(loan), "phone", "  Left a voicemail ")

    row, = lend.reminders(loan)
    assert row["id"] == reminder_id
    assert (row["channel"], row["status"]) == ("phone", "noted")
    assert row["note"] == "Left a voicemail"
    assert row["sent_by"] == actor.id
    audit, = lend.audits(loan)
    assert json.loads(audit["after"]) == {"reminder_id": reminder_id, "channel": "phone",
                                          "status": "noted"}


@pytest.mark.parametrize("channel", ["sms", "email", "", None, "PHONE", "letter "])
def test_note_contact_refuses_a_bad_channel(db, lend, actor, channel):
    loan = lend.loan(days_ago(3))

    with pytest.raises(InvalidInput) as caught:
        reminders.note_contact(db, actor, loan, channel, "Called")

    assert set(caught.value.errors) == {"channel"}
    assert lend.reminders() == []
    assert lend.audits() == []


@pytest.mark.parametrize("state", ["returned", "closed", "missing", "nonsense"])
def test_note_contact_refuses_a_loan_that_is_not_out(db, lend, actor, state):
    if state == "returned":
        loan = lend.loan(days_ago(3), returned_at=CREATED, returned_via="desk")
    elif state == "closed":
        loan = lend.loan(days_ago(3), returned_at=CREATED, closed_at=CREATED)
    else:
        loan = 9999 if state == "missing" else "1; drop table loans"

    with pytest.raises(InvalidInput) as caught:
        reminders.note_contact(db, actor, loan, "letter", "Posted")

    assert set(caught.value.errors) == {"loan"}
    assert lend.reminders() == []
    assert lend.audits() == []


def test_note_contact_refuses_an_overlong_note(db, lend, actor):
    loan = lend.loan(days_ago(3))

    with pytest.raises(InvalidInput) as caught:
        reminders.note_contact(db, actor, loan, "phone", "x" * 501)

    assert set(caught.value.errors) == {"note"}
    assert lend.reminders() == []


def test_a_note_counts_as_a_reminder_for_spacing(db, lend, actor):
    loan = lend.loan(days_ago(3), borrower=lend.borrower("email", "pat@example.org"))
    reminders.note_contact(db, actor, loan, "phone", None, now=NOW)
    outbox = OutboxNotifier()

    assert send(db, outbox, actor).skipped == 1
    assert outbox.sent == []


# --- carriers ----------------------------------------------------------------------------


class FakeNotify:
    made = []

    def __init__(self, api_key, timeout=None):
        self.api_key = api_key
        self.calls = []
        self.error = None
        FakeNotify.made.append(self)

    def send_sms_notification(self, **kwargs):
        self.calls.append(("sms", kwargs))
        if self.error:
            raise self.error
        return {"id": "notify-123", "reference": None}

    def send_email_notification(self, **kwargs):
        self.calls.append(("email", kwargs))
        return {"id": "notify-456"}


@pytest.fixture
def fake_notify(monkeypatch):
    FakeNotify.made = []
    monkeypatch.setattr(notifier, "NotificationsAPIClient", FakeNotify)
    return FakeNotify


def test_gov_notify_sends_sms_with_the_template(fake_notify):
    sms = GovNotifySmsNotifier(NOTIFY_KEY, "sms-template")

    receipt = sms.send_sms(Message("07700 900123", "ignored", "Please bring it back"))

    assert receipt == Receipt("notify-123")
    client, = fake_notify.made
    assert client.api_key == NOTIFY_KEY
    assert client.calls == [("sms", {"phone_number": "07700 900123",
                                     "template_id": "sms-template",
                                     "personalisation": {"body": "Please bring it back"}})]
    assert NOTIFY_KEY not in repr(sms)


def test_gov_notify_email_needs_its_own_template(fake_notify):
    with pytest.raises(SendFailed, match="Email is not set up"):
        GovNotifySmsNotifier(NOTIFY_KEY, "sms-template").send_email(
            Message("a@b.example", "S", "B"))

    both = GovNotifySmsNotifier(NOTIFY_KEY, "sms-template", email_template_id="email-template")
    assert both.send_email(Message("a@b.example", "Subject", "Body")) == Receipt("notify-456")
    assert fake_notify.made[-1].calls == [("email", {
        "email_address": "a@b.example", "template_id": "email-template",
        "personalisation": {"subject": "Subject", "body": "Body"}})]


@pytest.mark.parametrize("error", [
    HTTPError(message="Not a UK mobile number"),
    requests.ConnectionError("connection refused"),
    requests.Timeout("timed out"),
])
def test_gov_notify_errors_become_send_failed(fake_notify, error):
    sms = GovNotifySmsNotifier(NOTIFY_KEY, "sms-template")
    sms.client().error = error

    with pytest.raises(SendFailed) as caught:
        sms.send_sms(Message("07700 900123", "", "Body"))

    assert str(caught.value).startswith("Text message not sent")


def test_gov_notify_with_a_broken_key_fails_when_sending():
    sms = GovNotifySmsNotifier("too-short", "sms-template")  # the real client refuses it

    with pytest.raises(SendFailed, match="check the API key"):
        sms.send_sms(Message("07700 900123", "", "Body"))


class FakeSMTP:
    made = []
    fail_on = None

    def __init__(self, host, port, timeout=None, **kwargs):
        if FakeSMTP.fail_on == "connect":
            raise ConnectionRefusedError(111, "Connection refused")
        self.host, self.port, self.timeout, self.kwargs = host, port, timeout, kwargs
        self.steps = []
        self.sent = []
        FakeSMTP.made.append(self)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.steps.append("quit")

    def starttls(self, context=None):
        self.steps.append("starttls")

    def login(self, user, password):
        if FakeSMTP.fail_on == "login":
            raise smtplib.SMTPAuthenticationError(535, b"Authentication failed")
        self.steps.append(("login", user, password))

    def send_message(self, message):
        self.steps.append("send")
        self.sent.append(message)


@pytest.fixture
def fake_smtp(monkeypatch):
    FakeSMTP.made = []
    FakeSMTP.fail_on = None
    monkeypatch.setattr(notifier.smtplib, "SMTP", FakeSMTP)
    monkeypatch.setattr(notifier.smtplib, "SMTP_SSL", FakeSMTP)
    return FakeSMTP


def test_smtp_sends_over_starttls(fake_smtp):
    mail = SmtpNotifier("mail.example", 587, "user", "pw", "lending@council.example", True)

    receipt = mail.send_email(Message("pat@example.org", "Please bring it back", "Body text"))

    smtp, = fake_smtp.made
    assert (smtp.host, smtp.port) == ("mail.example", 587)
    assert smtp.timeout
    assert smtp.steps == ["starttls", ("login", "user", "pw"), "send", "quit"]
    sent, = smtp.sent
    assert sent["From"] == "lending@council.example"
    assert sent["To"] == "pat@example.org"
    assert sent["Subject"] == "Please bring it back"
    assert sent.get_content().strip() == "Body text"
    assert receipt.reference == sent["Message-ID"]
    assert receipt.reference.endswith("@council.example>")


def test_smtp_without_tls_or_login(fake_smtp):
    SmtpNotifier("relay.local", 25, sender="lending@council.example",
                 use_tls=False).send_email(Message("pat@example.org", "S", "B"))

    assert fake_smtp.made[0].steps == ["send", "quit"]


def test_smtp_port_465_is_tls_from_the_start(fake_smtp):
    SmtpNotifier("mail.example", 465, "user", "pw", "lending@council.example",
                 True).send_email(Message("pat@example.org", "S", "B"))

    smtp, = fake_smtp.made
    assert "context" in smtp.kwargs
    assert "starttls" not in smtp.steps


@pytest.mark.parametrize("fail_on", ["connect", "login"])
def test_smtp_errors_become_send_failed(fake_smtp, fail_on):
    fake_smtp.fail_on = fail_on
    mail = SmtpNotifier("mail.example", 587, "user", "pw", "lending@council.example", True)

    with pytest.raises(SendFailed, match="Email not sent"):
        mail.send_email(Message("pat@example.org", "S", "B"))


def test_smtp_refuses_a_header_with_a_line_break(fake_smtp):
    mail = SmtpNotifier("mail.example", 587, None, None, "lending@council.example", True)

    with pytest.raises(SendFailed):
        mail.send_email(Message("pat@example.org\nBcc: everyone@example.org", "S", "B"))

    assert fake_smtp.made == []


def test_combined_routes_each_kind(fake_notify):
    email, sms = OutboxNotifier(), OutboxNotifier()
    both = CombinedNotifier(email=email, sms=sms)

    both.send_email(Message("a@b.example", "S", "E"))
    both.send_sms(Message("07700 900123", "S", "T"))

    assert [m.body for m in email.messages()] == ["E"]
    assert [m.body for m in sms.messages()] == ["T"]
    with pytest.raises(SendFailed, match="SMS is not set up"):
        CombinedNotifier(email=email).send_sms(Message("07700 900123", "", ""))
    with pytest.raises(SendFailed, match="Email is not set up"):
        CombinedNotifier(sms=sms).send_email(Message("a@b.example", "", ""))


def test_config_picks_the_carriers(fake_notify, fake_smtp):
    assert isinstance(notifier_from_config({}), OutboxNotifier)

    smtp_only = notifier_from_config({"SMTP_HOST": "mail.example",
                                      "SMTP_SENDER": "lending@council.example"})
    assert isinstance(smtp_only, CombinedNotifier)
    assert smtp_only.email.port == 587
    assert smtp_only.email.use_tls is True
    assert smtp_only.sms is None

    notify_only = notifier_from_config({"NOTIFY_API_KEY": NOTIFY_KEY,
                                        "NOTIFY_SMS_TEMPLATE_ID": "t"})
    assert isinstance(notify_only, GovNotifySmsNotifier)

    both = notifier_from_config({
        "SMTP_HOST": "mail.example", "SMTP_PORT": "2525", "SMTP_TLS": "false",
        "SMTP_USERNAME": "lending@council.example", "SMTP_PASSWORD": "pw",
        "NOTIFY_API_KEY": NOTIFY_KEY, "NOTIFY_SMS_TEMPLATE_ID": "t",
    })
    assert (both.email.port, both.email.use_tls) == (2525, False)
    assert both.email.sender == "lending@council.example"
    assert isinstance(both.sms, GovNotifySmsNotifier)


@pytest.mark.parametrize("config", [
    {"SMTP_HOST": "mail.example"},
    {"NOTIFY_API_KEY": "k"},
])
def test_half_filled_config_stops_at_start(config):
    with pytest.raises(ValueError):
        notifier_from_config(config)


def test_outbox_keeps_only_the_newest():
    outbox = OutboxNotifier(keep=2)
    for n in range(3):
        outbox.send_sms(Message("07700 900123", "", str(n)))

    assert [m.body for m in outbox.messages()] == ["1", "2"]
    assert outbox.send_email(Message("a@b.example", "", "")) == Receipt("outbox-4")



def test_uk_dates():
    assert reminders.uk_date(date(2025, 11, 3)) == "Monday 3 November"
    assert reminders.uk_date(date(2026, 1, 1), today=date(2025, 12, 30)) == \
        "Thursday 1 January 2026"
