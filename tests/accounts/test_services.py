from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.utils import timezone

from motcua.accounts import services, throttle
from motcua.accounts.models import ApiToken, Role, User
from tests.factories import make_agency

pytestmark = pytest.mark.django_db


def citizen(**overrides):
    data = {
        "full_name": "Nguyễn Văn An",
        "password": "mat-khau-du-dai-2026",
        "phone": "0901234567",
        "date_of_birth": date(1990, 5, 12),
        "id_number": "079090001234",
    }
    data.update(overrides)
    return services.register_citizen(**data)


def test_a_citizen_signs_up_with_a_phone_stored_in_e164():
    user = citizen()
    assert user.phone == "+84901234567"
    assert user.username == "+84901234567"
    assert user.check_password("mat-khau-du-dai-2026")


def test_sign_up_needs_a_phone_or_an_email():
    with pytest.raises(ValidationError) as caught:
        citizen(phone="", email="")
    assert "phone" in caught.value.message_dict


def test_sign_up_reports_every_problem_at_once_and_writes_nothing():
    with pytest.raises(ValidationError) as caught:
        citizen(full_name="", phone="123", id_number="079290001234", password="123")
    assert set(caught.value.message_dict) >= {"full_name", "phone", "id_number", "password"}
    assert not User.objects.exists()


def test_a_phone_or_id_number_already_registered_is_refused():
    citizen()
    with pytest.raises(ValidationError) as caught:
        citizen(phone="090 123 4567", email="khac@example.vn", id_number="079090001234")
    assert set(caught.value.message_dict) >= {"phone", "id_number"}


def test_the_name_typed_decomposed_is_stored_composed():
    user = citizen(full_name="Nguye\u0302\u0303n Va\u0306n An")
    assert user.full_name == "Nguyễn Văn An"


@pytest.mark.parametrize("identifier", ["0901234567", "+84 90 123 4567", "an@example.vn"])
def test_a_citizen_signs_in_with_phone_or_email(identifier):
    user = citizen(email="An@Example.vn")
    assert services.sign_in(identifier, "mat-khau-du-dai-2026", ip="10.0.0.1") == user


def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong():
    citizen()
    with pytest.raises(services.InvalidCredentials, match="Tên đăng nhập hoặc mật khẩu"):
        services.sign_in("0901234567", "sai", ip="10.0.0.1")
    with pytest.raises(services.InvalidCredentials, match="Tên đăng nhập hoặc mật khẩu"):
        services.sign_in("0999999999", "sai", ip="10.0.0.1")


@override_settings(
    MOTCUA={
        "SIGNIN_FREE_ATTEMPTS": 3,
        "SIGNIN_BASE_DELAY_SECONDS": 2,
        "SIGNIN_MAX_DELAY_SECONDS": 60,
        "API_TOKEN_HOURS": 24,
    }
)
def test_failed_sign_ins_slow_down_that_name_from_that_address_with_growing_delays():
    citizen()
    now = 1_000_000.0
    delays = [throttle.record_failure("0901234567", "10.0.0.1", now=now) for _ in range(6)]
    assert delays == [0, 0, 2, 4, 8, 16]
    assert throttle.retry_after("0901234567", "10.0.0.1", now=now) == 16
    assert throttle.retry_after("0901234567", "10.0.0.1", now=now + 16) == 0
    # Another address is not slowed down: nobody can lock an officer out from elsewhere.
    assert throttle.retry_after("0901234567", "10.9.9.9", now=now) == 0


@override_settings(
    MOTCUA={
        "SIGNIN_FREE_ATTEMPTS": 2,
        "SIGNIN_BASE_DELAY_SECONDS": 30,
        "SIGNIN_MAX_DELAY_SECONDS": 60,
        "API_TOKEN_HOURS": 24,
    }
)
def test_while_throttled_even_the_right_password_must_wait():
    citizen()
    for _ in range(2):
        with pytest.raises(services.InvalidCredentials):
            services.sign_in("0901234567", "sai", ip="10.0.0.1")
    with pytest.raises(services.SignInThrottled) as caught:
        services.sign_in("0901234567", "mat-khau-du-dai-2026", ip="10.0.0.1")
    assert 0 < caught.value.retry_after <= 30
    assert services.sign_in("0901234567", "mat-khau-du-dai-2026", ip="10.0.0.2")


def test_tokens_are_stored_hashed_and_stop_working_when_revoked_or_expired():
    user = citizen()
    token, raw = services.issue_token(user)
    assert raw.startswith("mc_")
    assert not ApiToken.objects.filter(key_hash=raw).exists()
    assert services.user_for_token(raw)[0] == user
    services.revoke_token(token)
    assert services.user_for_token(raw) is None

    token, raw = services.issue_token(user)
    a_day_ago = timezone.now() - timedelta(days=1)
    ApiToken.objects.filter(pk=token.pk).update(
        created_at=a_day_ago - timedelta(hours=24), expires_at=a_day_ago
    )
    assert services.user_for_token(raw) is None
    assert services.user_for_token("mc_not-a-token") is None


def test_a_deactivated_account_cannot_use_its_token():
    user = citizen()
    _, raw = services.issue_token(user)
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert services.user_for_token(raw) is None


def test_officers_hold_roles_per_agency():
    officer = User.objects.create_user("motcua", password="x")
    desk = make_agency(kind="one_stop_desk", tier="commune")
    centre = make_agency()
    services.grant_role(officer, Role.ONE_STOP_OFFICER, desk)
    services.grant_role(officer, Role.ONE_STOP_OFFICER, centre)
    services.grant_role(officer, Role.ONE_STOP_OFFICER, centre)  # once
    assert services.agency_ids_of(officer, Role.ONE_STOP_OFFICER) == {desk.pk, centre.pk}
    assert services.agency_ids_of(officer, Role.LEADER) == set()
    assert services.is_officer(officer)


def test_an_organisation_registers_with_its_tax_code_and_representative():
    representative = citizen()
    organisation = services.register_organisation(
        tax_code="0100109106-001", name="Chi nhánh Công ty Thử", representative=representative
    )
    assert organisation.tax_code == "0100109106-001"
    assert representative in organisation.members.all()
    with pytest.raises(ValidationError) as caught:
        services.register_organisation(
            tax_code="0100109106001", name="", representative=representative
        )
    assert set(caught.value.message_dict) == {"tax_code", "name"}
    with pytest.raises(ValidationError, match="Mã số thuế"):
        services.register_organisation(
            tax_code="0100109107", name="Sai", representative=representative
        )
