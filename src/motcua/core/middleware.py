import json
import logging
import time
import unicodedata
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, QueryDict

from motcua.core.text import nfc_tree

log = logging.getLogger("motcua.request")


def _nfc_querydict(data: QueryDict) -> QueryDict:
    normalized = QueryDict(mutable=True, encoding=data.encoding)
    for key, values in data.lists():
        normalized.setlist(
            unicodedata.normalize("NFC", key), [unicodedata.normalize("NFC", v) for v in values]
        )
    normalized._mutable = False
    return normalized


def _nfc_json(body: bytes) -> bytes:
    """Normalise the decoded values, so ``\\u``-escaped decomposed text is caught too; a body
    that does not parse is left for the view to refuse."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return body
    return json.dumps(nfc_tree(data), ensure_ascii=False).encode("utf-8")


class NormalizeInputMiddleware:
    """Every input is NFC-normalised (DESIGN: Money, times, input), before any view sees it.

    Text typed on some phones arrives decomposed (NFD); without this "Đăng ký" typed there
    would never equal "Đăng ký" stored from another device.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.GET = _nfc_querydict(request.GET)
        content_type = request.content_type or ""
        if content_type == "application/json" and request.body:
            # The bytes as sent stay readable: a signature covers them, not our rewrite.
            request.raw_body = request.body
            request._body = _nfc_json(request.body)
        elif request.method == "POST" and content_type in (
            "application/x-www-form-urlencoded",
            "multipart/form-data",
        ):
            request.POST = _nfc_querydict(request.POST)
        return self.get_response(request)


class RequestLogMiddleware:
    """One structured line per request with its server time, for operators and bench/."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        elapsed_ms = (time.perf_counter() - started) * 1000
        response["Server-Timing"] = f"app;dur={elapsed_ms:.2f}"
        log.info(
            "request",
            extra={
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": round(elapsed_ms, 2),
            },
        )
        return response
