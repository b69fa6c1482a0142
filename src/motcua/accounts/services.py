"""Account services: sign-up, sign-in, tokens and who may act where."""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from motcua.catalog.models import AdministrativeUnit, Agency
from motcua.core.text import nfc

from . import throttle
from .identity import check_id_number, check_tax_code, normalise_phone
from .models import ApiToken, OfficerRole, Organisation, Role, User, hash_token


class SignInThrottled(Exception):
    def __init__(self, retry_after: int):
        super().__init__(f"Đăng nhập sai nhiều lần. Vui lòng thử lại sau {retry_after} giây.")
        self.retry_after = retry_after


class InvalidCredentials(Exception):
    def __init__(self) -> None:
        super().__init__("Tên đăng nhập hoặc mật khẩu không đúng.")


def register_citizen(
    *,
    full_name: str,
    password: str,
    phone: str | None = None,
    email: str | None = None,
    date_of_birth: date | None = None,
    id_number: str | None = None,
    address_unit: AdministrativeUnit | None = None,
    address_line: str = "",
) -> User:
    """A citizen's account, signed in with phone or e-mail (at least one). Every problem is
    reported at once, in Vietnamese; nothing is written unless all is well."""
    if settings.MOTCUA.get("DEPLOYMENT_MODEL", 1) == 2:  # behind the national portal (issue 6)
        raise ValidationError(
            {"full_name": ["Công dân đăng ký tài khoản trên Cổng Dịch vụ công quốc gia."]}
        )
    errors: dict[str, list[str]] = {}
    full_name = nfc(full_name or "").strip()
    if not full_name:
        errors["full_name"] = ["Vui lòng nhập họ và tên."]
    phone = (phone or "").strip() or None
    email = (email or "").strip().lower() or None
    if not phone and not email:
        errors["phone"] = ["Cần số điện thoại hoặc thư điện tử để đăng nhập."]
    if phone:
        try:
            phone = normalise_phone(phone)
        except ValidationError as exc:
            errors["phone"] = exc.messages
        else:
            if User.objects.filter(phone=phone).exists():
                errors["phone"] = ["Số điện thoại này đã có tài khoản."]
    if email and User.objects.filter(email__iexact=email).exists():
        errors["email"] = ["Thư điện tử này đã có tài khoản."]
    if id_number:
        try:
            id_number = check_id_number(id_number, date_of_birth)
        except ValidationError as exc:
            errors["id_number"] = exc.messages
        else:
            if User.objects.filter(id_number=id_number).exists():
                errors["id_number"] = ["Số định danh này đã có tài khoản."]
    if date_of_birth and date_of_birth > timezone.localdate():
        errors["date_of_birth"] = ["Ngày sinh không được ở tương lai."]
    candidate = User(username=phone or email or "", full_name=full_name, email=email)
    try:
        validate_password(password, candidate)
    except ValidationError as exc:
        errors["password"] = exc.messages
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            user = User(
                username=phone or email,
                full_name=full_name,
                phone=phone,
                email=email,
                date_of_birth=date_of_birth,
                id_number=id_number or None,
                address_unit=address_unit,
                address_line=nfc(address_line).strip(),
            )
            user.set_password(password)
            user.save()
    except IntegrityError:
        # Two sign-ups with the same phone at the same moment: one wins.
        raise ValidationError({"phone": ["Tài khoản này vừa được tạo."]}) from None
    return user


def register_organisation(
    *, tax_code: str, name: str, representative: User, address: str = ""
) -> Organisation:
    """A business or organisation owning dossiers: its tax code (10 digits with the check
    digit, or 13 as ``NNNNNNNNNN-NNN`` for a branch) and its legal representative."""
    errors: dict[str, list[str]] = {}
    try:
        tax_code = check_tax_code(tax_code)
    except ValidationError as exc:
        errors["tax_code"] = exc.messages
    else:
        if Organisation.objects.filter(tax_code=tax_code).exists():
            errors["tax_code"] = ["Mã số thuế này đã được đăng ký."]
    name = nfc(name or "").strip()
    if not name:
        errors["name"] = ["Cần tên tổ chức."]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        organisation = Organisation.objects.create(
            tax_code=tax_code,
            name=name,
            address=nfc(address).strip(),
            legal_representative=representative,
        )
        organisation.members.add(representative)
    return organisation


def sign_in(identifier: str, password: str, *, ip: str, request=None) -> User:
    """Check a password under the (name, IP) throttle; raises SignInThrottled or
    InvalidCredentials."""
    identifier = nfc(identifier or "").strip()
    wait = throttle.retry_after(identifier, ip)
    if wait:
        raise SignInThrottled(wait)
    user = authenticate(request, username=identifier, password=password)
    if user is None:
        throttle.record_failure(identifier, ip)
        raise InvalidCredentials()
    throttle.record_success(identifier, ip)
    return user


def issue_token(user: User, *, label: str = "") -> tuple[ApiToken, str]:
    lifetime = timedelta(hours=settings.MOTCUA["API_TOKEN_HOURS"])
    return ApiToken.issue(user, lifetime=lifetime, label=label)


def user_for_token(raw: str) -> tuple[User, ApiToken] | None:
    """The active user a bearer token stands for, or None (unknown, expired or revoked)."""
    if not raw:
        return None
    token = (
        ApiToken.objects.usable()
        .select_related("user")
        .filter(key_hash=hash_token(raw), user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    # One write every few minutes at most, not one per request.
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=5):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user, token


def revoke_token(token: ApiToken) -> None:
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())


def grant_role(user: User, role: Role | str, agency: Agency) -> OfficerRole:
    granted, _ = OfficerRole.objects.update_or_create(
        user=user, agency=agency, role=role, defaults={"active": True}
    )
    return granted


def roles_of(user: User) -> list[OfficerRole]:
    return list(
        OfficerRole.objects.filter(user=user, active=True)
        .select_related("agency")
        .order_by("agency__code", "role")
    )


def agency_ids_of(user: User, role: Role | str | None = None) -> set[int]:
    """Agencies where ``user`` holds ``role`` (any role when None)."""
    roles = OfficerRole.objects.filter(user=user, active=True)
    if role is not None:
        roles = roles.filter(role=role)
    return set(roles.values_list("agency_id", flat=True))


def is_officer(user: User) -> bool:
    return OfficerRole.objects.filter(user=user, active=True).exists()
