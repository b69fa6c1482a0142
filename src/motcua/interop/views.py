"""The national portal's call to us (issue 6 §1): a dossier filed there."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from . import services, transports


@csrf_exempt  # server to server, authenticated by the partner's signature
@never_cache
@require_POST
def inbound_dossier(request: HttpRequest) -> HttpResponse:
    """``POST /interop/national/v1/dossiers`` (docs/national-sync.md)."""
    if not services.enabled():
        return JsonResponse({"error": "Chưa bật liên thông với Cổng quốc gia."}, status=503)
    body = getattr(request, "raw_body", request.body)  # as signed, before NFC (middleware)
    try:
        partner = services.transport().authenticate(
            method=request.method, path=request.path, headers=request.headers, body=body
        )
    except transports.NotAuthenticated:
        return JsonResponse({"error": "Không xác thực được bên gửi."}, status=401)
    answer = services.accept(partner=partner, body=body)
    return JsonResponse(answer.body, status=answer.status)
