"""/api/v1/dossiers/{code}/payments (issue 5 §5): start paying what a dossier owes."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import get_language
from ninja import Router, Schema, Status
from ninja.errors import HttpError
from pydantic import ValidationError as PydanticError

from motcua.core.http import client_ip
from motcua.dossiers import services as dossiers
from motcua.payments import services
from motcua.payments.views import return_url

from .auth import signed_in
from .dossiers import ErrorOut

router = Router(tags=["Thanh toán"])


class PaymentIn(Schema):
    provider: str = "vnpay"  # or "paygov", the national payment platform


class PaymentOut(Schema):
    payment_url: str
    payment_id: str
    amount: int
    expires_at: datetime


@router.post(
    "/dossiers/{code}/payments",
    auth=signed_in,
    response={
        201: PaymentOut,
        401: ErrorOut,
        403: ErrorOut,
        404: ErrorOut,
        409: ErrorOut,
        503: ErrorOut,
    },
    summary="Bắt đầu thanh toán phí, lệ phí của hồ sơ",
    openapi_extra={
        "requestBody": {
            "content": {"application/json": {"schema": PaymentIn.model_json_schema()}},
            "required": False,
        }
    },
)
def start_payment(request: HttpRequest, code: str):
    """Mở một giao dịch cho số tiền còn phải nộp và trả địa chỉ trang thanh toán của cổng:
    `vnpay` (mặc định) hoặc `paygov` (Nền tảng thanh toán quốc gia). 409 khi không còn khoản
    nào phải nộp hoặc đang có giao dịch chưa kết thúc; 503 khi cổng không phản hồi. Kết quả
    chỉ được ghi nhận qua thông báo của cổng (IPN, NOTIFY) hoặc đối soát."""
    if request.content_type == "multipart/form-data":
        raw = request.POST.get("data", "")
    else:
        raw = request.body.decode("utf-8", "replace") if request.body else ""
    try:
        body = PaymentIn.model_validate_json(raw or "{}")
    except PydanticError:
        raise HttpError(422, "Nội dung yêu cầu không hợp lệ.") from None
    dossier = dossiers.get_visible(request.user, code)
    started = services.start_online(
        dossier,
        by=request.user,
        provider=body.provider,
        return_url=return_url(request, body.provider),
        ip=client_ip(request),
        locale="en" if (get_language() or "").startswith("en") else "vi",
    )
    payment = started.payment
    return Status(
        201,
        {
            "payment_url": started.url,
            "payment_id": payment.reference,
            "amount": payment.amount,
            "expires_at": timezone.localtime(payment.expires_at),
        },
    )
