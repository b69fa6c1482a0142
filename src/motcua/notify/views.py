"""The SMS gateway's delivery reports (docs/notifications.md)."""

from __future__ import annotations

import json

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from . import services, sms


@csrf_exempt  # server to server, authenticated by its signature
@require_POST
def sms_report(request: HttpRequest) -> JsonResponse:
    body = request.body
    if not sms.report_is_genuine(
        body,
        request.headers.get("X-Sms-Timestamp", ""),
        request.headers.get("X-Sms-Signature", ""),
    ):
        return JsonResponse({"ok": False, "error": "chữ ký không hợp lệ hoặc đã cũ"}, status=403)
    try:
        report = json.loads(body.decode())
        known = services.record_report(
            client_ref=str(report["client_ref"]),
            gateway_id=str(report.get("id", "")),
            status=str(report.get("status", "")),
        )
    except (ValueError, KeyError, UnicodeDecodeError):
        return JsonResponse({"ok": False, "error": "nội dung không hợp lệ"}, status=400)
    return JsonResponse({"ok": known}, status=200 if known else 404)
