"""Sending an SMS from the outbox: at least once, deduplicated by the gateway on our key."""

from __future__ import annotations

from datetime import timedelta

from motcua.core import clock, outbox

from . import sms
from .models import Message
from .services import SMS_KIND, callback_url, remind_officers


@outbox.handler(SMS_KIND)
def send_sms(payload: dict, message) -> None:
    text = Message.objects.get(pk=payload["message"])
    if text.status != Message.Status.QUEUED:
        return  # already taken by the gateway (a resend after a lost outcome)
    try:
        accepted = sms.gateway().send(
            to=text.to, text=text.text, client_ref=text.key, callback_url=callback_url()
        )
    except outbox.PermanentError as exc:
        Message.objects.filter(pk=text.pk).update(
            status=Message.Status.FAILED, error=str(exc)[:2000], status_at=clock.now()
        )
        raise
    Message.objects.filter(pk=text.pk, status=Message.Status.QUEUED).update(
        status=Message.Status.SENT,
        gateway_id=accepted.gateway_id,
        segments=accepted.segments,
        status_at=clock.now(),
    )


@outbox.periodic("notify.remind_officers", every=timedelta(hours=1))
def remind() -> None:
    """Due soon and overdue, once a day per dossier and officer (the keys say so)."""
    remind_officers()
