"""Who is calling: a bearer token (other systems, apps) or the web session (with CSRF)."""

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from motcua.accounts import services


class BearerToken(HttpBearer):
    """``Authorization: Bearer <token>`` from ``POST /api/v1/auth/token``."""

    def authenticate(self, request: HttpRequest, token: str):
        found = services.user_for_token(token)
        if found is None:
            return None
        user, api_token = found
        request.user = user
        request.api_token = api_token
        return user


class Session(SessionAuth):
    """The portal's cookie session; ninja enforces CSRF on unsafe methods with it."""

    def authenticate(self, request: HttpRequest, key):
        user = super().authenticate(request, key)
        if user is not None:
            request.api_token = None
        return user


bearer = BearerToken()
session = Session(csrf=True)
signed_in = [bearer, session]
