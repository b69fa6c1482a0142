"""E-mail, the outbox's first channel: queue in the business transaction, send from a worker.

``enqueue_email`` writes an ``email.send`` outbox message; the worker sends it through
Django's mail API (the ``default`` mailer of ``settings.MAILERS``). Delivery is at least once:
a worker that dies after the SMTP server accepted the message sends it again, so every copy
carries the same ``Message-ID``, derived from the outbox key, and receivers deduplicate on it.

SMTP outcomes: refused connection, time-out, a dropped connection, a 4xx reply or a refusal
of our own settings (authentication, sender) → retry (the outbox backs off); a 5xx refusal of
every recipient (e.g. ``550`` no such mailbox) or of the content, or an address that cannot be
encoded → failed at once, for an operator to look at.
"""

from __future__ import annotations

import hashlib
import smtplib
from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.utils import DNS_NAME

from motcua.core import outbox
from motcua.core.models import OutboxMessage
from motcua.core.text import nfc

KIND = "email.send"
KEY_PREFIX = "email:"
MAILER = "default"


def enqueue_email(
    *, key: str, to: list[str], subject: str, body: str, html: str | None = None
) -> OutboxMessage:
    """Queue one e-mail. MUST be called inside the business change's transaction.

    ``key`` identifies this e-mail among all e-mails (e.g. ``f"{dossier.code}:receipt"``);
    the outbox key is ``"email:" + key``, so an SMS about the same fact may reuse it. The
    same key twice is one e-mail.
    """
    if isinstance(to, str) or not to or not all(isinstance(a, str) and a.strip() for a in to):
        raise ValueError("to must be a non-empty list of addresses")
    if "\n" in subject or "\r" in subject:
        raise ValueError("an e-mail subject is one line")
    payload = {
        "to": [nfc(address.strip()) for address in to],
        "subject": nfc(subject),
        "body": nfc(body),
        "html": nfc(html) if html is not None else None,
    }
    return outbox.enqueue(KIND, key=KEY_PREFIX + key, payload=payload)


def message_id_domain() -> str:
    """``MOTCUA_OUTBOX["MESSAGE_ID_DOMAIN"]``, else the domain of ``DEFAULT_FROM_EMAIL``."""
    domain = outbox.setting("MESSAGE_ID_DOMAIN")
    if not domain:
        _name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
        domain = address.rpartition("@")[2]
    return domain or DNS_NAME.get_fqdn()


def message_id(key: str) -> str:
    """The stable Message-ID of the e-mail of outbox key ``key``: the same on every redelivery."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return f"<{digest}@{message_id_domain()}>"


def _is_permanent(exc: smtplib.SMTPException) -> bool:
    """A refusal of *this* message for good: every recipient or the content got a 5xx.

    Our own configuration errors (authentication, a refused sender) are retried instead: an
    operator fixes the setting once and the queue drains without retrying each message.
    """
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _text in exc.recipients.values()]
        return bool(codes) and all(500 <= code < 600 for code in codes)
    if isinstance(exc, smtplib.SMTPDataError):
        return 500 <= exc.smtp_code < 600
    return False


@outbox.handler(KIND)
def send_email(payload: dict, message: OutboxMessage) -> None:
    """Send one queued e-mail (idempotent by its Message-ID; see the module docstring)."""
    email = EmailMultiAlternatives(
        subject=payload["subject"],
        body=payload["body"],
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=payload["to"],
        headers={"Message-ID": message_id(message.key)},
    )
    if payload.get("html"):
        email.attach_alternative(payload["html"], "text/html")
    try:
        email.send(using=MAILER)
    except smtplib.SMTPException as exc:
        if _is_permanent(exc):
            raise outbox.PermanentError(f"SMTP refused for good: {exc}") from exc
        raise
    except ValueError as exc:
        # An address Django cannot encode, a header it refuses: the same next time.
        raise outbox.PermanentError(str(exc)) from exc
