"""The senders' contract at the edges: SMTP_URL parsing (no credentials in descriptions), the
Maildir default, dot-stuffing, and an outcome for every SMTP reply class."""

from __future__ import annotations

import mailbox
import time

import pytest

from scheduler.senders import Envelope, MaildirSender, SmtpSender, sender_for
from tests.fakes.smtp_server import FakeSMTP
from tools.core.settings import load_settings

EMAIL = b"From: a@shop.example\r\nTo: b@example.com\r\nSubject: hi\r\n\r\n.starts with a dot\r\nbye\r\n"


def test_smtp_urls_are_parsed_and_never_described_with_credentials():
    sender = SmtpSender("smtps://news%40shop:s3cret@mail.example")
    assert (sender.tls, sender.host, sender.port, sender.username, sender.password) == (
        True, "mail.example", 465, "news@shop", "s3cret")
    assert "s3cret" not in sender.describe()
    assert SmtpSender("smtp://mail.example:587").port == 587
    with pytest.raises(ValueError, match="smtp://"):
        SmtpSender("http://mail.example")


def test_without_smtp_url_mail_goes_to_a_maildir(tmp_path):
    sender = sender_for(load_settings(smtp_url="", outbox_dir=str(tmp_path / "box")))
    assert isinstance(sender, MaildirSender)
    outcome = sender.connect().send(Envelope("a@shop.example", "b@example.com", EMAIL), lambda: True)
    assert outcome.kind == "sent"
    [stored] = list(mailbox.Maildir(tmp_path / "box"))
    assert stored["Subject"] == "hi"


def test_a_lost_claim_at_the_commit_point_delivers_nothing(tmp_path):
    with FakeSMTP() as smtp:
        outcome = SmtpSender(smtp.url).connect().send(Envelope("a@shop.example", "b@example.com", EMAIL),
                                                      lambda: False)
        assert outcome.kind == "aborted" and smtp.messages == []
    maildir = MaildirSender(tmp_path / "box")
    assert maildir.connect().send(Envelope("a", "b", EMAIL), lambda: False).kind == "aborted"
    assert list(mailbox.Maildir(tmp_path / "box")) == []


@pytest.mark.parametrize("stage, reply, kind", [
    ("RCPT", "451 4.7.1 greylisted", "retry"),
    ("RCPT", "550 5.1.1 unknown user", "bounce"),
    ("DATA", "452 4.3.1 storage", "retry"),
    ("DATA", "554 5.7.1 rejected", "rejected"),
])
def test_every_reply_class_has_an_outcome(stage, reply, kind):
    with FakeSMTP() as smtp:
        smtp.script("b@example.com", stage, reply)
        connection = SmtpSender(smtp.url).connect()
        outcome = connection.send(Envelope("a@shop.example", "b@example.com", EMAIL), lambda: True)
        assert outcome.kind == kind and reply.split()[0] in outcome.detail
        again = connection.send(Envelope("a@shop.example", "b@example.com", EMAIL), lambda: True)
        connection.close()
        assert again.kind == "sent", "the connection stays usable after a refusal"
        assert smtp.messages[0].data == EMAIL, "dot-stuffing is transparent"


def test_an_unreachable_server_is_a_retry():
    sender = SmtpSender("smtp://127.0.0.1:9", timeout=2)
    outcome = sender.connect().send(Envelope("a@shop.example", "b@example.com", EMAIL), lambda: True)
    assert outcome.kind == "retry"


@pytest.mark.parametrize("stage", ["RCPT", "DATA"])
def test_after_a_421_the_next_message_goes_over_a_new_connection(stage):
    with FakeSMTP() as smtp:
        smtp.script("b@example.com", stage, "421 4.3.2 shutting down")
        connection = SmtpSender(smtp.url).connect()
        first = connection.send(Envelope("a@shop.example", "b@example.com", EMAIL), lambda: True)
        second = connection.send(Envelope("a@shop.example", "b@example.com", EMAIL), lambda: True)
        connection.close()
        assert (first.kind, second.kind) == ("retry", "sent")
        assert smtp.after_closing == 0, "no command on a session the server is closing"
        assert smtp.sessions == 2


def test_a_trickling_server_cannot_hold_a_transaction_past_its_deadline():
    with FakeSMTP() as smtp:
        smtp.trickle("RCPT", lines=40, every=0.1)
        started = time.monotonic()
        outcome = SmtpSender(smtp.url, timeout=2, deadline=0.5).connect().send(
            Envelope("a@shop.example", "b@example.com", EMAIL), lambda: True)
        assert outcome.kind == "retry" and time.monotonic() - started < 1.5
        assert smtp.messages == []


def test_a_commit_point_that_fails_aborts_the_data_instead_of_quitting_inside_it():
    def database_gone():
        raise ConnectionError("terminating connection due to administrator command")

    with FakeSMTP() as smtp:
        connection = SmtpSender(smtp.url, timeout=3).connect()
        started = time.monotonic()
        with pytest.raises(ConnectionError):
            connection.send(Envelope("a@shop.example", "b@example.com", EMAIL), database_gone)
        connection.close()
        assert time.monotonic() - started < 1, "no QUIT sent as body text, then waited on"
        assert smtp.messages == []
