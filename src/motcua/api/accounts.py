"""/api/v1/auth/token and /api/v1/me."""

from datetime import date, datetime

from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema, Status

from motcua.accounts import services
from motcua.core.http import client_ip

from .auth import bearer, signed_in
from .errors import error_body


class Credentials(Schema):
    username: str
    password: str


class TokenOut(Schema):
    token: str
    expires_at: datetime


class RoleOut(Schema):
    agency: str
    agency_name: str
    role: str


class AddressOut(Schema):
    unit_code: int | None
    unit_name: str | None
    line: str


class MeOut(Schema):
    username: str
    full_name: str
    phone: str | None
    email: str | None
    date_of_birth: date | None
    id_number: str | None
    address: AddressOut
    roles: list[RoleOut]


class MessageOut(Schema):
    message: str
    detail: str


router = Router(tags=["Tài khoản"])


@router.post(
    "/auth/token",
    auth=None,
    response={200: TokenOut, 401: MessageOut, 429: MessageOut},
    summary="Đăng nhập, nhận khóa API",
)
def create_token(request: HttpRequest, credentials: Credentials, response: HttpResponse):
    """Tên đăng nhập là số điện thoại, thư điện tử hoặc tên tài khoản. Sai nhiều lần từ cùng
    một địa chỉ thì phải chờ lâu dần (429, `Retry-After`)."""
    try:
        user = services.sign_in(
            credentials.username, credentials.password, ip=client_ip(request), request=request
        )
    except services.SignInThrottled as exc:
        response["Retry-After"] = str(exc.retry_after)
        return Status(429, error_body(str(exc)))
    except services.InvalidCredentials as exc:
        return Status(401, error_body(str(exc)))
    token, raw = services.issue_token(user, label="api")
    return {"token": raw, "expires_at": token.expires_at}


@router.delete("/auth/token", auth=bearer, response={204: None}, summary="Thu hồi khóa API")
def delete_token(request: HttpRequest):
    services.revoke_token(request.api_token)
    return Status(204, None)


@router.get("/me", auth=signed_in, response=MeOut, summary="Hồ sơ của tôi")
def me(request: HttpRequest):
    user = request.user
    return {
        "username": user.username,
        "full_name": user.full_name,
        "phone": user.phone,
        "email": user.email,
        "date_of_birth": user.date_of_birth,
        "id_number": user.id_number,
        "address": {
            "unit_code": user.address_unit.code if user.address_unit else None,
            "unit_name": user.address_unit.name if user.address_unit else None,
            "line": user.address_line,
        },
        "roles": [
            {"agency": r.agency.code, "agency_name": r.agency.name, "role": r.role}
            for r in services.roles_of(user)
        ],
    }
