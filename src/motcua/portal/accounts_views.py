"""Citizens sign up, sign in and out on the portal; the rules live in accounts.services."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from motcua.accounts import otp, services
from motcua.core.http import client_ip

from .forms import SignInForm, SignUpForm


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return "portal:home"


@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    form = SignInForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            user = services.sign_in(
                form.cleaned_data["identifier"],
                form.cleaned_data["password"],
                ip=client_ip(request),
                request=request,
            )
        except services.SignInThrottled as exc:
            form.add_error(None, str(exc))
            status = 429
        except services.InvalidCredentials as exc:
            form.add_error(None, str(exc))
            status = 401
        else:
            login(request, user)
            return redirect(_next_url(request))
    response = render(
        request, "portal/sign_in.html", {"form": form, "next": _next_url(request)}, status=status
    )
    return response


@require_http_methods(["GET", "POST"])
def sign_up(request: HttpRequest) -> HttpResponse:
    if (
        settings.MOTCUA.get("DEPLOYMENT_MODEL", 1) == 2
    ):  # citizens' accounts are the national portal's
        return render(
            request, "portal/file_on_national.html", {"heading": _("Đăng ký tài khoản")}, status=403
        )
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.register_citizen(**form.cleaned_data)
        except ValidationError as exc:
            for field, problems in exc.message_dict.items():
                for message in problems:
                    form.add_error(field if field in form.fields else None, message)
        else:
            login(request, user)
            for channel in ("sms", "email"):  # codes to prove the phone and the e-mail
                if otp.destination(user, channel):
                    otp.send(user, channel)
            return redirect("portal:verify")
    return render(request, "portal/sign_up.html", {"form": form})


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("portal:home")


@login_required
@require_http_methods(["GET", "POST"])
def verify_contacts(request: HttpRequest) -> HttpResponse:
    """The citizen proves their phone and e-mail with the codes sent to them."""
    user = request.user
    errors: dict[str, str] = {}
    if request.method == "POST":
        channel = request.POST.get("channel", "")
        try:
            if request.POST.get("action") == "send":
                otp.send(user, channel)
                messages.success(request, _("Đã gửi mã xác minh."))
            else:
                otp.verify(user, channel, request.POST.get("code", ""))
                messages.success(request, _("Đã xác minh."))
            return redirect("portal:verify")
        except ValidationError as exc:
            errors[channel] = exc.messages[0]
    channels = [
        {
            "key": key,
            "label": label,
            "to": otp.destination(user, key),
            "verified": otp.is_verified(user, key),
            "error": errors.get(key, ""),
        }
        for key, label in (("sms", _("Số điện thoại")), ("email", _("Thư điện tử")))
        if otp.destination(user, key)
    ]
    return render(
        request,
        "portal/verify.html",
        {"channels": channels},
        status=422 if errors else 200,
    )
