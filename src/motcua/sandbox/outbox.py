"""The sandbox's own retries (its IPN to the merchant) run in the same outbox workers."""

from . import carrier, national, sms, vnpay  # noqa: F401 - the IPN, SMS, post and DVCQG handlers
from .paygov import send_notify  # noqa: F401 - registers PayGov's NOTIFY
