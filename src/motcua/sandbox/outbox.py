"""The sandbox's own retries (its IPN to the merchant) run in the same outbox workers."""

from . import carrier, vnpay  # noqa: F401 - register the IPN and the post's callbacks
