"""`flask --app app send-reminders`: the daily overdue reminders, for cron or a systemd timer.
Safe to run as often as you like: a loan is reminded at most once a week."""

import click
from flask import current_app
from flask.cli import with_appcontext

import lending
import notifier
import reminders
from audit import Actor
from db import get_db


@click.command("send-reminders")
@with_appcontext
def send_reminders_command():
    """Text or email every overdue borrower who has not been reminded this week."""
    config = current_app.config
    sender = notifier.notifier_from_config(config)
    summary = reminders.send_reminders(
        get_db(), sender, Actor(None, "send-reminders"), lending.today(),
        config["SERVICE_NAME"], config["SERVICE_PHONE"])
    click.echo(f"sent {summary.sent}, failed {summary.failed}, skipped {summary.skipped}, "
               f"to phone or write to {summary.need_call}")
    if isinstance(sender, notifier.OutboxNotifier):
        click.echo("No SMTP or GOV.UK Notify settings, so nothing left this machine.")


def init_app(app) -> None:
    app.cli.add_command(send_reminders_command)
