"""Serving a stored file to those who may see it (DESIGN: Citizens' documents are private).

Whoever may not see a file gets the same 404 as for a file that does not exist. The bytes
are always sent sandboxed and unsniffable, never cached by shared caches, as an attachment
unless ``?inline=1`` asks for the in-browser viewer. In production nginx sends the bytes
(``X-Accel-Redirect`` to an ``internal`` location); Django only checks and logs.
"""

from __future__ import annotations

import logging
import unicodedata
import uuid
from urllib.parse import quote

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from motcua.core.http import client_ip
from motcua.documents import services
from motcua.documents.models import FileAccess, StoredFile

log = logging.getLogger("motcua.documents")


def content_disposition(disposition: str, filename: str) -> str:
    """``attachment; filename="ascii"; filename*=UTF-8''…`` (RFC 6266 with RFC 5987)."""
    folded = unicodedata.normalize("NFKD", filename.replace("đ", "d").replace("Đ", "D"))
    ascii_name = "".join(
        ch if ch.isascii() and (ch.isalnum() or ch in " ._-()") else "_"
        for ch in folded
        if not unicodedata.combining(ch)
    )
    return f"{disposition}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"


@require_GET
@login_required
def download(request: HttpRequest, file_id: uuid.UUID) -> HttpResponse:
    stored = StoredFile.objects.filter(pk=file_id, deleted_at__isnull=True).first()
    if stored is None or not services.can_view(request.user, stored):
        raise Http404
    inline = request.GET.get("inline") == "1"

    prefix = settings.MOTCUA_DOCUMENTS.get("X_ACCEL_REDIRECT_PREFIX") or ""
    if prefix:
        response = HttpResponse(content_type=stored.content_type)
        response["X-Accel-Redirect"] = prefix.rstrip("/") + "/" + stored.storage_name
    else:
        try:
            handle = services.path_of(stored).open("rb")
        except FileNotFoundError:
            log.error("document bytes missing", extra={"file": str(stored.pk)})
            raise Http404 from None
        response = FileResponse(handle, content_type=stored.content_type)
        response["Content-Length"] = str(stored.size)

    services.record_access(
        stored,
        user=request.user,
        action=FileAccess.Action.VIEW if inline else FileAccess.Action.DOWNLOAD,
        ip=client_ip(request) or None,
        user_agent=request.META.get("HTTP_USER_AGENT", ""),
    )
    response["Content-Disposition"] = content_disposition(
        "inline" if inline else "attachment", stored.original_name
    )
    response["X-Content-Type-Options"] = "nosniff"
    # Set here, so Django's CSP middleware leaves it alone: nothing in the file may run. Our
    # own pages may frame it (the officer's document viewer); no one else's.
    response["Content-Security-Policy"] = "sandbox; frame-ancestors 'self'"
    response["X-Frame-Options"] = "SAMEORIGIN"
    response["Cache-Control"] = "private, no-store"
    return response
