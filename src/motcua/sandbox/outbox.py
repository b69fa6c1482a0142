"""The sandbox's own retries (its IPN to the merchant) run in the same outbox workers."""

from . import carrier, sms, vnpay  # noqa: F401 - register the IPN, SMS and post handlers
from .paygov import send_notify  # noqa: F401 - registers PayGov's NOTIFY
