"""The fees on the citizen's and the officer's dossier pages, paying online from the portal,
cash at the desk (issue 5 §1–2)."""

import pytest

from motcua.dossiers import services
from motcua.dossiers.models import State
from motcua.payments.models import Payment, PaymentState

pytestmark = pytest.mark.django_db


def test_the_citizen_sees_the_fees_and_is_sent_to_the_gateway_to_pay(paying, client):
    dossier = paying.file()
    client.force_login(paying.world.citizen)
    html = client.get(f"/ho-so/{dossier.code}/").content.decode()
    assert "Phí, lệ phí" in html and "52.000 đ" in html
    assert "Thanh toán trực tuyến 52.000 đ (VNPAY)" in html
    response = client.post(f"/ho-so/{dossier.code}/thanh-toan/")
    assert response.status_code == 302
    assert response["Location"].startswith("http://gateway.test/paymentv2/vpcpay.html?")
    assert Payment.objects.get(dossier=dossier).state == PaymentState.OPEN
    html = client.get(f"/ho-so/{dossier.code}/").content.decode()
    assert "Đang có một giao dịch thanh toán chưa kết thúc" in html
    again = client.post(f"/ho-so/{dossier.code}/thanh-toan/")
    assert again.status_code == 409  # one open attempt at a time, said in Vietnamese
    assert "giao dịch thanh toán chưa kết thúc" in again.content.decode()


def test_the_desk_records_cash_and_the_dossier_goes_on(paying, client):
    world = paying.world
    dossier = services.receive(paying.file(), ctx=paying.ctx(world.one_stop))
    dossier = services.request_payment(dossier, ctx=paying.ctx(world.one_stop), amount=52_000)
    client.force_login(world.one_stop)
    html = client.get(f"/mot-cua/ho-so/{dossier.code}/").content.decode()
    assert "Ghi nhận tiền mặt" in html and "Còn phải nộp" in html
    refused = client.post(f"/mot-cua/ho-so/{dossier.code}/thu-tien-mat/", {"amount": "abc"})
    assert (
        refused.status_code == 422 and "Số tiền phải là số nguyên đồng" in refused.content.decode()
    )
    done = client.post(f"/mot-cua/ho-so/{dossier.code}/thu-tien-mat/", {"amount": "52.000"})
    assert done.status_code == 302
    dossier.refresh_from_db()
    assert dossier.state == State.RECEIVED
    assert Payment.objects.get(dossier=dossier, provider="cash").recorded_by == world.one_stop


def test_the_fees_are_shown_before_submitting(paying, client):
    client.force_login(paying.world.citizen)
    html = client.get(f"/thu-tuc/{paying.version.procedure.code}/nop-ho-so/").content.decode()
    assert "Phí, lệ phí phải nộp" in html
    assert "Lệ phí cấp giấy: <strong>50.000 đ</strong>" in html  # the online price
    assert "mỗi trang" in html
    assert "nộp trước khi hồ sơ được chuyển giải quyết" in html


def test_a_paid_fee_has_its_confirmation_pdf_for_the_citizen_and_the_desk(paying, client):
    import io

    from pypdf import PdfReader

    from motcua.payments import services as payments

    world = paying.world
    dossier = services.receive(paying.file(), ctx=paying.ctx(world.one_stop))
    payment = payments.record_cash(dossier, ctx=paying.ctx(world.one_stop), amount=52_000)
    client.force_login(world.citizen)
    html = client.get(f"/ho-so/{dossier.code}/").content.decode()
    url = f"/ho-so/{dossier.code}/thanh-toan/{payment.reference}.pdf"
    assert url in html
    response = client.get(url)
    assert response["Content-Type"] == "application/pdf"
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert "GIẤY XÁC NHẬN THANH TOÁN" in text and "52.000 đ" in text and dossier.code in text
    assert "123/2020/NĐ-CP" in text and "Mẫu số" not in text
    client.force_login(world.one_stop)
    office = client.get(f"/mot-cua/ho-so/{dossier.code}/thanh-toan/{payment.reference}.pdf")
    assert office.status_code == 200
    client.force_login(world.other_citizen)
    assert client.get(url).status_code == 404
