"""The carrier's call to us (issue 5 §3): its signed status callbacks."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from . import services


@csrf_exempt  # server to server, authenticated by its HMAC signature
@never_cache
@require_POST
def callback(request: HttpRequest, carrier: str) -> HttpResponse:
    """``POST /post/callback/<carrier>``: one status of one shipment (docs/post.md)."""
    body = getattr(request, "raw_body", request.body)  # as signed, before NFC (middleware)
    answer = services.handle_callback(carrier, body, request.headers, path=request.path)
    return JsonResponse(answer.body, status=answer.status)
