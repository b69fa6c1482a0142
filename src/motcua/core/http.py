"""What the delivery layers (portal, back office, API) read of a request."""

import ipaddress

from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """The client's address: X-Real-IP, which the province's nginx sets (REMOTE_ADDR is then
    nginx itself), else REMOTE_ADDR. Anything that is not an address is ignored, so audit
    rows (GenericIPAddressField) are always written; "" when there is none. Without a proxy
    in front a client could forge X-Real-IP (docs/operations.md)."""
    for candidate in (request.META.get("HTTP_X_REAL_IP"), request.META.get("REMOTE_ADDR")):
        try:
            return str(ipaddress.ip_address((candidate or "").strip()))
        except ValueError:
            continue
    return ""
