"""What a dossier owes (issue 5 §1): online price, tiers per page, cap, exemptions."""

import pytest
from django.core.exceptions import ValidationError

from motcua.payments import fees
from motcua.payments.models import Assessment

pytestmark = pytest.mark.django_db


def test_the_online_price_applies_to_online_dossiers_only(paying):
    online = fees.assess(paying.version, online=True)
    counter = fees.assess(paying.version, online=False)
    assert [line.amount for line in online.lines] == [50_000, 2_000]
    assert [line.amount for line in counter.lines] == [100_000, 2_000]


def test_pages_past_the_tier_cost_less_and_the_cap_bounds_the_line(paying):
    page_fee = str(paying.version.fees.get(unit="page").pk)
    five_pages = fees.assess(paying.version, online=True, quantities={page_fee: 5})
    assert five_pages.lines[1].amount == 2 * 2_000 + 3 * 1_000
    assert five_pages.total == 50_000 + 7_000
    many = fees.assess(paying.version, online=True, quantities={page_fee: 500})
    assert many.lines[1].amount == 200_000


def test_an_exemption_claimed_makes_the_line_free_and_keeps_the_reason(paying):
    charge = str(paying.version.fees.get(kind="le_phi").pk)
    assessed = fees.assess(
        paying.version, online=True, exemptions={charge: "Người có công với cách mạng"}
    )
    assert assessed.lines[0].amount == 0
    assert assessed.lines[0].exempt_reason == "Người có công với cách mạng"
    assert assessed.total == 2_000


def test_bad_quantities_and_unknown_fees_are_refused_in_vietnamese(paying):
    page_fee = str(paying.version.fees.get(unit="page").pk)
    with pytest.raises(ValidationError, match="phải từ 1 trở lên"):
        fees.assess(paying.version, online=True, quantities={page_fee: 0})
    with pytest.raises(ValidationError, match="không thuộc thủ tục này"):
        fees.assess(paying.version, online=True, quantities={"999999": 2})


def test_filing_keeps_the_assessment_with_the_procedures_payment_stage(paying):
    dossier = paying.file()
    assessment = Assessment.objects.get(dossier=dossier)
    assert assessment.total == 52_000  # filed online
    assert assessment.payment_due == "processing"
    assert [line["name"] for line in assessment.lines] == [
        "Lệ phí cấp giấy",
        "Phí chứng thực bản sao",
    ]
