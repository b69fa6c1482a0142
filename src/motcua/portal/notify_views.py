"""The citizen chooses how to hear about their dossiers (issue 5 §4)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from motcua.notify import services as notify
from motcua.notify.models import Preference


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    current = notify.preference_of(request.user)
    error = ""
    if request.method == "POST":
        try:
            notify.set_preference(
                request.user,
                channels=request.POST.get("channels", ""),
                optional=request.POST.get("optional") == "1",
                unaccented_sms=request.POST.get("unaccented_sms") == "1",
            )
        except ValueError as exc:
            error = str(exc)
        else:
            messages.success(request, _("Đã lưu cách nhận thông báo."))
            return redirect("portal:notify_preferences")
    return render(
        request,
        "portal/notify_preferences.html",
        {
            "current": current,
            "choices": Preference.Choice.choices,
            "error": error,
            "has_email": bool(request.user.email),
            "has_phone": bool(getattr(request.user, "phone", "")),
        },
        status=422 if error else 200,
    )
