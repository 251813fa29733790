"""Sending a short message to a person by email or SMS, behind one small interface. No Flask.

Rules (reminders, and whatever comes next) talk to a `Notifier`; which service actually
carries the message is decided once, from configuration, by `notifier_from_config`. With
nothing configured the `OutboxNotifier` keeps messages in memory, so a demo or a test
never sends anything off the machine.
"""

import smtplib
import ssl
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Protocol

from notifications_python_client.errors import APIError
from notifications_python_client.notifications import NotificationsAPIClient
from requests import RequestException

SMTP_TIMEOUT_SECONDS = 20
NOTIFY_TIMEOUT_SECONDS = 20
ERROR_MAX = 500  # failure text is stored with the reminder; keep it to a readable size


@dataclass(frozen=True)
class Message:
    to: str
    subject: str
    body: str


@dataclass(frozen=True)
class Receipt:
    """What the carrier gave back: its id for the message, to find it in its logs later."""

    reference: str | None


class SendFailed(Exception):
    """The message did not leave. The text says why in words staff can act on."""


class Notifier(Protocol):
    def send_email(self, message: Message) -> Receipt: ...

    def send_sms(self, message: Message) -> Receipt: ...


def _why(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text[:ERROR_MAX]


class SmtpNotifier:
    """Email through the council's mail relay. Port 465 means TLS from the first byte;
    otherwise STARTTLS when `use_tls`, so a password never crosses the wire in clear."""

    def __init__(self, host: str, port: int = 587, username: str | None = None,
                 password: str | None = None, sender: str = "", use_tls: bool = True,
                 timeout: float = SMTP_TIMEOUT_SECONDS):
        if not sender:
            raise ValueError("SmtpNotifier needs a sender address")
        self.host = host
        self.port = int(port)
        self.username = username or None
        self.password = password or ""
        self.sender = sender
        self.use_tls = use_tls
        self.timeout = timeout

    def _connect(self) -> smtplib.SMTP:
        if self.port == 465:
            return smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout,
                                    context=ssl.create_default_context())
        return smtplib.SMTP(self.host, self.port, timeout=self.timeout)

    def send_email(self, message: Message) -> Receipt:
        try:
            email = EmailMessage()
            email["From"] = self.sender
            email["To"] = message.to
            email["Subject"] = message.subject
            domain = self.sender.rpartition("@")[2] or None
            email["Message-ID"] = make_msgid(domain=domain)
            email.set_content(message.body)
        except (ValueError, TypeError) as exc:  # e.g. a line break in an address or subject
            raise SendFailed(f"Could not write the email: {_why(exc)}") from exc
        try:
            with self._connect() as smtp:
                if self.use_tls and self.port != 465:
                    smtp.starttls(context=ssl.create_default_context())
                if self.username:
                    smtp.login(self.username, self.password)
                smtp.send_message(email)
        except OSError as exc:  # smtplib.SMTPException, socket errors, timeouts and TLS errors
            raise SendFailed(f"Email not sent: {_why(exc)}") from exc
        return Receipt(email["Message-ID"])

    def send_sms(self, message: Message) -> Receipt:
        raise SendFailed("SMS is not set up")


class GovNotifySmsNotifier:
    """SMS (and, given an email template, email) through GOV.UK Notify.

    The Notify templates hold a single personalisation field, ((body)) — and ((subject)) for email —
    so the wording stays in Doorstep, where it is tested. The client is made on first use,
    so a mistyped key shows up as a failed reminder, not as an app that will not start.
    """

    def __init__(self, api_key: str, sms_template_id: str, email_template_id: str | None = None,
                 timeout: float = NOTIFY_TIMEOUT_SECONDS):
        self.api_key = api_key
        self.sms_template_id = sms_template_id
        self.email_template_id = email_template_id or None
        self.timeout = timeout
        self._client = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:  # never show the key in logs or tracebacks
        return f"GovNotifySmsNotifier(sms_template_id={self.sms_template_id!r})"

    def client(self) -> NotificationsAPIClient:
        with self._lock:
            if self._client is None:
                # A Notify key ends "-<service id>-<secret>", two 36-character UUIDs.
                if len(self.api_key or "") < 74:
                    raise SendFailed("GOV.UK Notify is not set up correctly (check the API key)")
                try:
                    self._client = NotificationsAPIClient(self.api_key, timeout=self.timeout)
                except (AssertionError, ValueError, TypeError) as exc:
                    raise SendFailed("GOV.UK Notify is not set up correctly "
                                     "(check the API key)") from exc
            return self._client

    @staticmethod
    def _receipt(response) -> Receipt:
        reference = response.get("id") if isinstance(response, Mapping) else None
        return Receipt(str(reference) if reference else None)

    def send_sms(self, message: Message) -> Receipt:
        client = self.client()
        try:
            response = client.send_sms_notification(
                phone_number=message.to,
                template_id=self.sms_template_id,
                personalisation={"body": message.body},
            )
        except (APIError, RequestException, ValueError) as exc:
            raise SendFailed(f"Text message not sent: {_why(exc)}") from exc
        return self._receipt(response)

    def send_email(self, message: Message) -> Receipt:
        if not self.email_template_id:
            raise SendFailed("Email is not set up")
        client = self.client()
        try:
            response = client.send_email_notification(
                email_address=message.to,
                template_id=self.email_template_id,
                personalisation={"subject": message.subject, "body": message.body},
            )
        except (APIError, RequestException, ValueError) as exc:
            raise SendFailed(f"Email not sent: {_why(exc)}") from exc
        return self._receipt(response)


class CombinedNotifier:
    """Email by one carrier and SMS by another, e.g. the mail relay and GOV.UK Notify."""

    def __init__(self, email: Notifier | None = None, sms: Notifier | None = None):
        self.email = email
        self.sms = sms

    def send_email(self, message: Message) -> Receipt:
        if self.email is None:
            raise SendFailed("Email is not set up")
        return self.email.send_email(message)

    def send_sms(self, message: Message) -> Receipt:
        if self.sms is None:
            raise SendFailed("SMS is not set up")
        return self.sms.send_sms(message)


class OutboxNotifier:
    """Keeps every message in `sent` as (channel, message) instead of sending it: the demo
    default and the tests' notifier. Only the newest `keep` are held, so a demo left
    running for months does not grow without end."""

    def __init__(self, keep: int = 1000):
        self.sent: list[tuple[str, Message]] = []
        self.keep = keep
        self._count = 0
        self._lock = threading.Lock()

    def _keep(self, channel: str, message: Message) -> Receipt:
        with self._lock:
            self._count += 1
            self.sent.append((channel, message))
            del self.sent[:-self.keep]
            return Receipt(f"outbox-{self._count}")

    def send_email(self, message: Message) -> Receipt:
        return self._keep("email", message)

    def send_sms(self, message: Message) -> Receipt:
        return self._keep("sms", message)

    def messages(self, channel: str | None = None) -> list[Message]:
        return [m for c, m in self.sent if channel in (None, c)]


def _flag(value, default: bool) -> bool:
    """A yes/no setting that may arrive as a bool or as text from the environment."""
    if value is None or value == "":
        return default
    if isinstance(value, str):
        return value.strip().lower() not in {"0", "false", "no", "off"}
    return bool(value)


def notifier_from_config(config: Mapping) -> Notifier:
    """The notifier the configuration asks for: SMTP for email and/or GOV.UK Notify for SMS
    (and for email too, given NOTIFY_EMAIL_TEMPLATE_ID and no SMTP). Nothing configured
    means the outbox, so nothing leaves the machine. A half-filled setting raises
    ValueError, so call this once when the app starts and let a mistake stop it there."""
    smtp = notify = None
    if config.get("SMTP_HOST"):
        sender = config.get("SMTP_SENDER") or config.get("SMTP_USERNAME")
        if not sender or "@" not in str(sender):
            raise ValueError("SMTP_SENDER (an email address) is needed with SMTP_HOST")
        smtp = SmtpNotifier(
            host=config["SMTP_HOST"],
            port=int(config.get("SMTP_PORT") or 587),
            username=config.get("SMTP_USERNAME"),
            password=config.get("SMTP_PASSWORD"),
            sender=str(sender),
            use_tls=_flag(config.get("SMTP_TLS"), default=True),
        )
    if config.get("NOTIFY_API_KEY"):
        if not config.get("NOTIFY_SMS_TEMPLATE_ID"):
            raise ValueError("NOTIFY_SMS_TEMPLATE_ID is needed with NOTIFY_API_KEY")
        notify = GovNotifySmsNotifier(
            api_key=config["NOTIFY_API_KEY"],
            sms_template_id=config["NOTIFY_SMS_TEMPLATE_ID"],
            email_template_id=config.get("NOTIFY_EMAIL_TEMPLATE_ID"),
        )
    if smtp is None and notify is None:
        return OutboxNotifier()
    if smtp is None:
        return notify
    return CombinedNotifier(email=smtp, sms=notify)
