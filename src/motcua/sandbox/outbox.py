"""The sandbox's own retries (its IPN to the merchant) run in the same outbox workers."""

from . import vnpay  # noqa: F401 - registers the IPN handler
