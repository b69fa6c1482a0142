"""/api/v1/procedures, /api/v1/agencies, /api/v1/fields."""

from datetime import time

import pytest

from motcua.catalog import services
from motcua.catalog.models import AgencyKind
from motcua.core.calendar import Limit, LimitKind
from tests.factories import (
    CERTIFIED_COPY_FEE,
    make_agency,
    make_field,
    make_procedure,
    make_unit,
    step,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def civil_status():
    return make_field("ho-tich", name="Hộ tịch", name_en="Civil status")


@pytest.fixture
def birth(civil_status):
    centre = make_agency(name="Trung tâm Phục vụ hành chính công")
    return make_procedure(
        code="1.001193",
        name="Thủ tục đăng ký khai sinh",
        field=civil_status,
        limit=Limit(LimitKind.WORKING_DAYS, 3),
        online_level="full",
        legacy_level=4,
        tiers=["commune"],
        documents=[
            {
                "key": "to-khai",
                "name": "Tờ khai đăng ký khai sinh",
                "kind": "original",
                "copies": 1,
                "required": True,
                "blank_form_name": "Mẫu tờ khai",
                "blank_form_reference": "Thông tư 04/2020/TT-BTP",
            },
            {
                "key": "giay-chung-sinh",
                "name": "Giấy chứng sinh",
                "kind": "certified_copy",
                "copies": 2,
                "required": False,
                "data_store": True,
            },
        ],
        fees=[
            {
                "kind": "le_phi",
                "name": "Lệ phí đăng ký khai sinh",
                "amount": 8000,
                "online_amount": 0,
                "exemptions": "Miễn khi đăng ký đúng hạn",
            },
            CERTIFIED_COPY_FEE,
        ],
        steps=[step(1, 4, name="Tiếp nhận"), step(2, 12, name="Giải quyết")],
        receivers=[centre],
        form_schema={"type": "object", "properties": {"ho_ten": {"type": "string"}}},
    )


# --- list -----------------------------------------------------------------------------------


def test_list_procedures_returns_items_and_count(client, birth):
    response = client.get("/api/v1/procedures")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    (item,) = body["items"]
    assert item["code"] == "1.001193"
    assert item["name"] == "Thủ tục đăng ký khai sinh"
    assert item["field"] == {"code": "ho-tich", "name": "Hộ tịch"}
    assert item["level"] == "full"
    assert item["level_label"] == "Toàn trình"
    assert item["legacy_level"] == 4
    assert item["tiers"] == ["commune"]
    assert item["limit"]["kind"] == "working_days"
    assert item["limit"]["value"] == 3
    assert item["limit"]["text"] == "3 ngày làm việc"
    assert item["url"].endswith("1.001193/")


@pytest.mark.parametrize("q", ["dang ky khai sinh", "ĐĂNG KÝ KHAI SINH", "Đăng ký khai sinh"])
def test_list_procedures_search_ignores_diacritics_and_case(client, birth, civil_status, q):
    make_procedure(name="Đăng ký kết hôn", field=civil_status)
    body = client.get("/api/v1/procedures", {"q": q}).json()
    assert [i["code"] for i in body["items"]] == ["1.001193"]
    assert body["count"] == 1


def test_list_procedures_paginates_with_limit_and_offset(client, civil_status):
    for n in range(1, 6):
        make_procedure(code=f"1.00000{n}", name=f"Thủ tục số {n}", field=civil_status)
    first = client.get("/api/v1/procedures", {"limit": 2}).json()
    assert first["count"] == 5
    assert [i["code"] for i in first["items"]] == ["1.000001", "1.000002"]
    last = client.get("/api/v1/procedures", {"limit": 2, "offset": 4}).json()
    assert last["count"] == 5
    assert [i["code"] for i in last["items"]] == ["1.000005"]
    beyond = client.get("/api/v1/procedures", {"limit": 2, "offset": 10}).json()
    assert beyond == {"items": [], "count": 5}


def test_list_procedures_filters_by_field_agency_and_level(client, birth, civil_status):
    desk = make_agency(kind=AgencyKind.ONE_STOP_DESK, tier="commune")
    make_procedure(
        code="1.000002",
        name="Cấp giấy phép xây dựng",
        field=make_field("xay-dung", name="Xây dựng"),
        online_level="partial",
        receivers=[desk],
    )

    def codes(**params):
        return [i["code"] for i in client.get("/api/v1/procedures", params).json()["items"]]

    assert codes(field="ho-tich") == ["1.001193"]
    assert codes(field="xay-dung") == ["1.000002"]
    assert codes(agency=desk.code) == ["1.000002"]
    assert codes(level="full") == ["1.001193"]
    assert codes(level="partial") == ["1.000002"]
    assert codes(tier="commune") == ["1.001193"]
    assert codes(q="khai sinh", field="xay-dung") == []


def test_list_procedures_never_shows_drafts(client, birth, civil_status):
    make_procedure(code="1.000002", name="Đăng ký khai sinh lưu động", publish=False)
    body = client.get("/api/v1/procedures", {"q": "khai sinh"}).json()
    assert [i["code"] for i in body["items"]] == ["1.001193"]


def test_list_procedures_rejects_a_negative_limit_in_vietnamese(client):
    response = client.get("/api/v1/procedures", {"limit": -1})
    assert response.status_code == 400
    assert response.json()["detail"].startswith("Tham số không hợp lệ")


# --- detail ---------------------------------------------------------------------------------


def test_procedure_detail_lists_documents_fees_steps_limit_and_form(client, birth):
    response = client.get("/api/v1/procedures/1.001193")
    assert response.status_code == 200
    body = response.json()
    assert body["code"] == "1.001193"
    assert body["version"] == 1
    assert body["published_at"]
    assert body["limit"] == {
        "kind": "working_days",
        "value": 3,
        "text": "3 ngày làm việc",
        "note": "",
    }
    assert body["documents"] == [
        {
            "id": "to-khai",
            "name": "Tờ khai đăng ký khai sinh",
            "kind": "original",
            "kind_label": "Bản chính",
            "copies": 1,
            "required": True,
            "blank_form": {
                "name": "Mẫu tờ khai",
                "reference": "Thông tư 04/2020/TT-BTP",
                "url": "",
            },
            "data_store": False,
            "note": "",
        },
        {
            "id": "giay-chung-sinh",
            "name": "Giấy chứng sinh",
            "kind": "certified_copy",
            "kind_label": "Bản sao có chứng thực",
            "copies": 2,
            "required": False,
            "blank_form": None,
            "data_store": True,
            "note": "",
        },
    ]
    charge, copy_fee = body["fees"]
    assert charge == {
        "kind": "le_phi",
        "name": "Lệ phí đăng ký khai sinh",
        "amount": 8000,
        "online_amount": 0,
        "unit": "dossier",
        "subsequent_from": None,
        "subsequent_amount": None,
        "cap": None,
        "exemptions": "Miễn khi đăng ký đúng hạn",
    }
    assert (copy_fee["amount"], copy_fee["unit"], copy_fee["cap"]) == (2000, "page", 200000)
    for fee in body["fees"]:
        assert type(fee["amount"]) is int
    assert [(s["order"], s["name"], s["budget_hours"]) for s in body["steps"]] == [
        (1, "Tiếp nhận", 4),
        (2, "Giải quyết", 12),
    ]
    assert body["form_schema"] == {"type": "object", "properties": {"ho_ten": {"type": "string"}}}
    (receiver,) = body["receiving_agencies"]
    assert receiver["default"] is True
    expected = body["expected_if_received_now"]
    assert expected["agency"]["code"] == receiver["code"]
    assert expected["due_at"].endswith("+07:00")


def test_procedure_detail_shows_the_template_steps_not_an_agency_own_process(client):
    own = make_agency()
    make_procedure(
        code="1.000002",
        steps=[step(1, 4, name="Chung"), step(1, 2, name="Riêng", agency=own)],
        receivers=[own],
    )
    body = client.get("/api/v1/procedures/1.000002").json()
    assert [s["name"] for s in body["steps"]] == ["Chung"]


def test_procedure_detail_shows_the_published_version_not_a_newer_draft(client, birth):
    draft = services.draft_next_version(birth)
    draft.documents.filter(key="to-khai").update(name="Tờ khai mới (dự thảo)")
    body = client.get("/api/v1/procedures/1.001193").json()
    assert body["version"] == 1
    assert body["documents"][0]["name"] == "Tờ khai đăng ký khai sinh"


def test_procedure_detail_of_an_unknown_code_is_404_in_vietnamese(client, birth):
    response = client.get("/api/v1/procedures/9.999999")
    assert response.status_code == 404
    message = "Không tìm thấy thủ tục đang công bố có mã 9.999999."
    assert response.json() == {"message": message, "detail": message}


def test_procedure_detail_of_a_draft_only_procedure_is_404(client):
    make_procedure(code="1.000777", publish=False)
    response = client.get("/api/v1/procedures/1.000777")
    assert response.status_code == 404
    assert "1.000777" in response.json()["detail"]


# --- agencies and fields --------------------------------------------------------------------


def test_list_agencies_shape_and_filters(client):
    unit = make_unit(name="Thành phố Hồ Chí Minh", code=79)
    city = make_agency(
        name="Ủy ban nhân dân Thành phố",
        kind=AgencyKind.PEOPLES_COMMITTEE,
        receives=False,
        unit=unit,
    )
    centre = make_agency(
        name="Trung tâm Phục vụ hành chính công",
        parent=city,
        hours=((time(7, 30), time(11, 30)), (time(13, 0), time(17, 0))),
        saturday_reception=True,
        address="Phường Sài Gòn",
        phone="028 1022",
    )
    make_agency(name="Cơ quan đã giải thể", is_active=False)

    body = client.get("/api/v1/agencies").json()
    assert body["count"] == 2
    by_code = {a["code"]: a for a in body["items"]}
    assert by_code[centre.code] == {
        "code": centre.code,
        "name": "Trung tâm Phục vụ hành chính công",
        "short_name": "",
        "kind": "service_centre",
        "tier": "province",
        "parent": city.code,
        "unit": None,
        "receives_dossiers": True,
        "office_hours": {
            "periods": [["07:30", "11:30"], ["13:00", "17:00"]],
            "same_day_cutoff": "15:00",
            "saturday_reception": True,
        },
        "address": "Phường Sài Gòn",
        "phone": "028 1022",
    }
    assert by_code[city.code]["unit"] == {"code": 79, "name": "Thành phố Hồ Chí Minh"}

    def codes(**params):
        return [a["code"] for a in client.get("/api/v1/agencies", params).json()["items"]]

    assert codes(q="trung tam phuc vu") == [centre.code]
    assert codes(receives_dossiers="true") == [centre.code]
    assert codes(kind="peoples_committee") == [city.code]
    assert codes(tier="commune") == []


def test_list_fields_counts_published_procedures(client, birth, civil_status):
    make_procedure(field=civil_status, publish=False)
    make_field("xay-dung", name="Xây dựng")
    body = client.get("/api/v1/fields").json()
    assert body == [
        {"code": "ho-tich", "name": "Hộ tịch", "name_en": "Civil status", "procedures": 1},
        {"code": "xay-dung", "name": "Xây dựng", "name_en": "", "procedures": 0},
    ]
