import logging
import time
import unicodedata
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, QueryDict

log = logging.getLogger("motcua.request")


def _nfc_querydict(data: QueryDict) -> QueryDict:
    normalized = QueryDict(mutable=True, encoding=data.encoding)
    for key, values in data.lists():
        normalized.setlist(
            unicodedata.normalize("NFC", key), [unicodedata.normalize("NFC", v) for v in values]
        )
    normalized._mutable = False
    return normalized


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
            try:
                text = request.body.decode("utf-8")
            except UnicodeDecodeError:
                text = None
            if text is not None:
                request._body = unicodedata.normalize("NFC", text).encode("utf-8")
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
