from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError

from .identity import normalise_phone
from .models import User


def find_user(identifier: str) -> User | None:
    """The account a sign-in name points at: phone (any usual spelling), e-mail or username."""
    identifier = (identifier or "").strip()
    if not identifier:
        return None
    if "@" in identifier:
        return User.objects.filter(email__iexact=identifier).first()
    user = User.objects.filter(username=identifier).first()
    if user is not None:
        return user
    try:
        phone = normalise_phone(identifier)
    except ValidationError:
        return None
    return User.objects.filter(phone=phone).first()


class IdentifierBackend(ModelBackend):
    """Sign in with phone, e-mail or username and a password."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        user = find_user(username or kwargs.get("identifier", ""))
        if user is None:
            # Same work as a real check, so timing does not tell which accounts exist.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
