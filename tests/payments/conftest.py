"""Dossiers with fees on the dossier tests' small world, and VNPAY's side as the public
specification describes it (written here on its own, so a mistake in our signing shows)."""

import hashlib
import hmac
from dataclasses import dataclass
from urllib.parse import quote_plus

import pytest

from motcua.dossiers import services
from motcua.dossiers.events import Context
from tests.dossiers.conftest import world  # noqa: F401 - the fixture
from tests.factories import make_procedure

SECRET = "MOTCUADEMOSANDBOXHASHSECRET2026X"
TMN = "MOTCUA01"
FEES = [
    {"kind": "le_phi", "name": "Lệ phí cấp giấy", "amount": 100_000, "online_amount": 50_000},
    {
        "kind": "phi",
        "name": "Phí chứng thực bản sao",
        "amount": 2_000,
        "unit": "page",
        "subsequent_from": 3,
        "subsequent_amount": 1_000,
        "cap": 200_000,
    },
]


def spec_sign(params: dict, secret: str = SECRET) -> str:
    """VNPAY 2.1.0: vnp_ fields but the hash ones, sorted, name=value form-encoded, joined
    by &, HMAC-SHA512, hex."""
    text = "&".join(
        f"{quote_plus(k)}={quote_plus(str(v))}"
        for k, v in sorted(params.items())
        if k.startswith("vnp_") and k not in ("vnp_SecureHash", "vnp_SecureHashType")
    )
    return hmac.new(secret.encode(), text.encode(), hashlib.sha512).hexdigest()


def ipn_params(payment, *, code="00", amount=None, **extra) -> dict:
    params = {
        "vnp_Amount": str((payment.amount if amount is None else amount) * 100),
        "vnp_BankCode": "NCB",
        "vnp_BankTranNo": "VNP14226112",
        "vnp_CardType": "ATM",
        "vnp_OrderInfo": "Thanh toan phi ho so",
        "vnp_PayDate": "20261124101712",
        "vnp_ResponseCode": code,
        "vnp_TmnCode": TMN,
        "vnp_TransactionNo": "14226112",
        "vnp_TransactionStatus": "00" if code == "00" else "02",
        "vnp_TxnRef": payment.reference,
        **extra,
    }
    params["vnp_SecureHash"] = spec_sign(params)
    return params


@dataclass
class Paying:
    world: object
    version: object

    def file(self, citizen=None, **overrides):
        citizen = citizen or self.world.citizen
        sub = services.Submission(
            version=self.version,
            delivery="counter",
            agency=self.world.desk_x,
            files={"to-khai": [self.world.upload(citizen)]},
            **overrides,
        )
        return services.submit(sub, ctx=Context(by=citizen))

    def ctx(self, user):
        return Context(by=user, ip="127.0.0.1", request_id="test")


@pytest.fixture
def paying(world, settings):  # noqa: F811
    settings.MOTCUA = {
        **settings.MOTCUA,
        "VNPAY": {
            **settings.MOTCUA["VNPAY"],
            "TMN_CODE": TMN,
            "HASH_SECRET": SECRET,
            "PAYMENT_URL": "http://gateway.test/paymentv2/vpcpay.html",
            "IP_ALLOWLIST": [],
        },
    }
    version = make_procedure(
        code="1.000777",
        name="Thủ tục có phí",
        receivers=[world.desk_x],
        competent_agency=world.department,
        fees=FEES,
        payment_due="processing",
    )
    return Paying(world, version)
