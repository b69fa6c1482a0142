"""What every page needs to know about the signed-in officer (the header's links)."""

from django.http import HttpRequest

from motcua.accounts.models import OfficerRole


def officer(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"is_officer": False}
    return {
        "is_officer": OfficerRole.objects.filter(
            user=user, active=True, role__in=["one_stop_officer", "specialist", "leader"]
        ).exists()
    }
