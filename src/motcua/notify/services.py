"""Who hears what, on which channel (issue 5 §4). Called inside the business change's
transaction: the messages are queued in the outbox with it, or not at all.

- The newest active template version of the notice and channel is filled; a missing value
  is an error (``render.MissingPlaceholder``), so nothing half-written goes out.
- Notices the law requires (``defaults.REQUIRED``) always go out: a citizen's preference only
  picks the channel, and when the chosen one cannot reach them (no e-mail address) the other
  is used. Optional ones follow the preference, and can be switched off.
- An SMS is sent unaccented unless the citizen asked otherwise (fewer segments); the text
  sent and its segment count are kept.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import reverse

from motcua.core import clock, email, outbox
from motcua.core.calendar import VN_TZ
from motcua.core.templatetags.motcua import dmy, dmy_hm
from motcua.core.text import unaccented as strip_accents

from . import render
from .defaults import REQUIRED
from .defaults import load as load_defaults
from .models import Channel, Message, MessageTemplate, Preference

SMS_KIND = "sms.send"


def template(key: str, channel: str) -> MessageTemplate:
    """The newest active version. A notice with no version at all gets the built-in first
    one (``defaults``), so a required notice never goes unsent for want of a template."""
    for attempt in range(2):
        found = (
            MessageTemplate.objects.filter(key=key, channel=channel, active=True)
            .order_by("-version")
            .first()
        )
        if found is not None:
            return found
        if attempt == 0 and not MessageTemplate.objects.filter(key=key, channel=channel).exists():
            load_defaults(MessageTemplate)
    raise LookupError(f"no active template {key!r} for {channel}")


def preference_of(user) -> Preference:
    if user is None:
        return Preference(channels=Preference.Choice.BOTH)
    return Preference.objects.filter(user=user).first() or Preference(user=user)


def dossier_values(dossier, **extra: Any) -> dict[str, Any]:
    """The placeholders every dossier notice may use, plus the notice's own."""
    values: dict[str, Any] = {
        "owner_name": dossier.owner_name,
        "code": dossier.code,
        "procedure": dossier.procedure.name,
        "agency": dossier.receiving_agency.name,
        "due": dmy(dossier.due_at) if dossier.due_at else "theo quy định",
        "due_time": dmy_hm(dossier.due_at) if dossier.due_at else "theo quy định",
        "delivery": dossier.get_delivery_display(),
    }
    missing = extra.pop("missing", None)
    if missing is not None:
        values["missing"] = "\n".join(f"- {m['name']}: {m['reason']}" for m in missing)
        values["missing_short"] = "; ".join(m["name"] for m in missing)
    if "old_due_at" in extra:
        values["old_due"] = dmy_hm(extra.pop("old_due_at"))
    values.update(extra)
    return values


def _channels(pref: Preference, *, required: bool, email_to: str, phone: str) -> list[str]:
    wanted = {
        Preference.Choice.BOTH: [Channel.EMAIL, Channel.SMS],
        Preference.Choice.EMAIL: [Channel.EMAIL],
        Preference.Choice.SMS: [Channel.SMS],
    }[Preference.Choice(pref.channels)]
    reachable = {Channel.EMAIL: bool(email_to), Channel.SMS: bool(phone)}
    chosen = [c for c in wanted if reachable[c]]
    if not chosen and required:  # the law wants it delivered: the other channel, then
        chosen = [c for c in (Channel.EMAIL, Channel.SMS) if reachable[c]][:1]
    return chosen


def notify_dossier(dossier, kind: str, *, event_seq: int | str, **context: Any) -> list[Message]:
    """The notice ``kind`` about ``dossier`` to its owner, queued with the change.
    ``event_seq`` makes the messages' keys: the event's number, or another fact's id (a
    payment's reference) — the same fact twice is one message."""
    required = kind in REQUIRED
    pref = preference_of(dossier.account if dossier.account_id else None)
    if not required and not pref.optional:
        return []
    values = dossier_values(dossier, **context)
    email_to = dossier.owner_email or (dossier.account.email if dossier.account_id else "")
    phone = dossier.owner_phone or dossier.submitter_phone
    base = f"{dossier.province_code}:{dossier.code}:{event_seq}"
    sent = []
    for channel in _channels(pref, required=required, email_to=email_to, phone=phone):
        if channel == Channel.EMAIL:
            sent.append(
                send_email(
                    kind,
                    values,
                    to=email_to,
                    key=f"{base}:email",
                    dossier=dossier,
                    user=dossier.account,
                    required=required,
                )
            )
        else:
            sent.append(
                send_sms(
                    kind,
                    values,
                    to=phone,
                    key=f"{base}:sms",
                    dossier=dossier,
                    user=dossier.account,
                    required=required,
                    unaccented=pref.unaccented_sms,
                )
            )
    return sent


def send_email(
    kind: str, values: dict, *, to: str, key: str, dossier=None, user=None, required=False
) -> Message:
    found = template(kind, Channel.EMAIL)
    subject = render.fill(found.subject, values, template=str(found))
    body = render.fill(found.body, values, template=str(found))
    queued = email.enqueue_email(key=key, to=[to], subject=subject, body=body)
    message, _ = Message.objects.get_or_create(
        key=queued.key,
        defaults={
            "channel": Channel.EMAIL,
            "to": to,
            "dossier": dossier,
            "user": user,
            "template": found,
            "subject": subject,
            "text": body,
            "required": required,
        },
    )
    return message


def send_sms(
    kind: str,
    values: dict,
    *,
    to: str,
    key: str,
    dossier=None,
    user=None,
    required=False,
    unaccented: bool = True,
) -> Message:
    found = template(kind, Channel.SMS)
    source = (found.body_unaccented or found.body) if unaccented else found.body
    text = render.fill(source, values, template=str(found))
    if unaccented:
        text = strip_accents(text)  # the values (names, agencies) lose their diacritics too
    message, created = Message.objects.get_or_create(
        key=f"sms:{key}",
        defaults={
            "channel": Channel.SMS,
            "to": to,
            "dossier": dossier,
            "user": user,
            "template": found,
            "text": text,
            "unaccented": unaccented,
            "segments": render.segments(text),
            "required": required,
        },
    )
    if created:
        outbox.enqueue(SMS_KIND, key=message.key, payload={"message": message.pk})
    return message


def callback_url() -> str:
    return f"{settings.SITE_URL}{reverse('notify:sms_report')}"


def record_report(*, client_ref: str, gateway_id: str, status: str) -> bool:
    """A delivery report: delivered or failed, once (a repeat or a late "failed" after
    "delivered" changes nothing). False when the message is unknown."""
    message = Message.objects.filter(key=client_ref, channel=Channel.SMS).first()
    if message is None or (gateway_id and message.gateway_id not in ("", gateway_id)):
        return False
    final = {"delivered": Message.Status.DELIVERED, "failed": Message.Status.FAILED}.get(status)
    if final is None:
        return True
    Message.objects.filter(
        pk=message.pk, status__in=[Message.Status.QUEUED, Message.Status.SENT]
    ).update(status=final, status_at=clock.now(), gateway_id=gateway_id or message.gateway_id)
    return True


def notify_officer(user, kind: str, dossier, *, key: str, **context: Any) -> list[Message]:
    """A notice for an officer (due soon, overdue, an opinion asked), by e-mail and SMS as
    their preference says; none of these is required by law."""
    pref = preference_of(user)
    if not pref.optional:
        return []
    context.setdefault("agency", dossier.current_agency.name)
    values = dossier_values(dossier, **context)
    phone = getattr(user, "phone", "") or ""
    sent = []
    for channel in _channels(pref, required=False, email_to=user.email, phone=phone):
        if channel == Channel.EMAIL:
            sent.append(send_email(kind, values, to=user.email, key=f"{key}:email", user=user))
        else:
            sent.append(
                send_sms(
                    kind,
                    values,
                    to=phone,
                    key=f"{key}:sms",
                    user=user,
                    unaccented=pref.unaccented_sms,
                )
            )
    return sent


def remind_officers(now=None, *, limit: int = 500) -> int:
    """Once a day per dossier: its officers hear that it is due within two working days,
    or overdue. To whom: the active step's assignee, else the handling agency's specialists
    and leaders."""
    from django.db import transaction

    from motcua.accounts.models import OfficerRole, Role, User
    from motcua.dossiers.models import Dossier, State
    from motcua.dossiers.queues import due_soon_until
    from motcua.workflow import steps as workflow

    now = now or clock.now()
    day = now.astimezone(VN_TZ).date()
    running = Dossier.objects.filter(
        state__in=[State.RECEIVED, State.IN_PROCESS], due_at__lt=due_soon_until(now)
    ).select_related("current_agency", "procedure", "receiving_agency")[:limit]
    last = Message.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    for dossier in running:
        kind = "officer_overdue" if dossier.due_at < now else "officer_due_soon"
        step = workflow.active_step(dossier) if dossier.state == State.IN_PROCESS else None
        if step is not None and step.assignee_id:
            people = [step.assignee]
        else:
            ids = OfficerRole.objects.filter(
                agency=dossier.current_agency,
                active=True,
                role__in=[Role.SPECIALIST, Role.LEADER, Role.ONE_STOP_OFFICER],
            ).values("user")
            people = list(User.objects.filter(pk__in=ids, is_active=True))
        with transaction.atomic():
            for person in people:
                key = f"{dossier.province_code}:{dossier.code}:{kind}:{day:%Y%m%d}:{person.pk}"
                notify_officer(person, kind, dossier, key=key)
    return Message.objects.filter(pk__gt=last).count()  # the same key twice is one message


def set_preference(user, *, channels: str, optional: bool, unaccented_sms: bool) -> Preference:
    """The citizen's choice (the only writer of preferences)."""
    if channels not in Preference.Choice.values:
        raise ValueError("Kênh nhận thông báo không hợp lệ.")
    preference, _ = Preference.objects.update_or_create(
        user=user,
        defaults={"channels": channels, "optional": optional, "unaccented_sms": unaccented_sms},
    )
    return preference
