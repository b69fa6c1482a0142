from datetime import UTC, datetime, timedelta

import pytest

from motcua.core import clock, throttle
from motcua.core.models import RateCount

pytestmark = pytest.mark.django_db

NOON = datetime(2026, 11, 25, 5, 0, 10, tzinfo=UTC)


def test_an_address_is_refused_past_the_limit_within_one_minute():
    with clock.frozen_at(NOON):
        answers = [throttle.allow("lookup", "10.0.0.1", 3) for _ in range(5)]
    assert answers == [True, True, True, False, False]


def test_the_count_starts_again_the_next_minute():
    with clock.frozen_at(NOON):
        for _ in range(3):
            throttle.allow("lookup", "10.0.0.1", 3)
        assert not throttle.allow("lookup", "10.0.0.1", 3)
    with clock.frozen_at(NOON + timedelta(minutes=1)):
        assert throttle.allow("lookup", "10.0.0.1", 3)


def test_addresses_and_buckets_are_counted_apart():
    with clock.frozen_at(NOON):
        assert throttle.allow("lookup", "10.0.0.1", 1)
        assert throttle.allow("lookup", "10.0.0.2", 1)
        assert throttle.allow("sign-up", "10.0.0.1", 1)
        assert not throttle.allow("lookup", "10.0.0.1", 1)


def test_past_minutes_are_swept_away():
    with clock.frozen_at(NOON):
        throttle.allow("lookup", "10.0.0.1", 3)
    with clock.frozen_at(NOON + timedelta(minutes=5)):
        throttle.allow("lookup", "10.0.0.2", 3)
    assert list(RateCount.objects.values_list("bucket", flat=True)) == ["lookup:10.0.0.2"]
