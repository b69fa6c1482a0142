"""Catalog services: publishing versions, limits and processes per agency, expected dates, fees,
search and the home-page figures (DESIGN: Procedures, Deadlines, Search, Money)."""

from datetime import UTC, datetime, time

import pytest
from django.core.exceptions import ValidationError

from motcua.catalog import services
from motcua.catalog.models import (
    AgencyKind,
    FeeUnit,
    ProcedureFee,
    ProcedureVersion,
    VersionStatus,
)
from motcua.core.calendar import VN_TZ, Limit, LimitKind
from tests.factories import (
    CERTIFIED_COPY_FEE,
    make_agency,
    make_field,
    make_procedure,
    step,
)

pytestmark = pytest.mark.django_db

DAYS = LimitKind.WORKING_DAYS


def vn(year, month, day, hour=0, minute=0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=VN_TZ)


# --- publishing -----------------------------------------------------------------------------


def test_publish_version_retires_the_previous_published_version():
    v1 = make_procedure(name="Đăng ký khai sinh")
    v2 = services.draft_next_version(v1)
    assert v2.status == VersionStatus.DRAFT
    assert v2.number == 2

    services.publish_version(v2)

    v1.refresh_from_db()
    v2.refresh_from_db()
    assert v1.status == VersionStatus.RETIRED
    assert v2.status == VersionStatus.PUBLISHED
    assert v2.published_at is not None
    v2.procedure.refresh_from_db()
    assert v2.procedure.current_version == v2


def test_a_procedure_has_one_published_version_at_a_time():
    v1 = make_procedure()
    for _ in range(3):
        services.publish_version(services.draft_next_version(v1.procedure.current_version))
    statuses = list(
        ProcedureVersion.objects.filter(procedure=v1.procedure)
        .order_by("number")
        .values_list("status", flat=True)
    )
    assert statuses == ["retired", "retired", "retired", "published"]


def test_a_published_version_cannot_be_published_again():
    version = make_procedure()
    with pytest.raises(ValidationError, match="dự thảo"):
        services.publish_version(version)


def test_a_draft_without_documents_cannot_be_published():
    draft = make_procedure(documents=[], publish=False)
    with pytest.raises(ValidationError) as caught:
        services.publish_version(draft)
    assert "Chưa có thành phần hồ sơ." in caught.value.messages
    draft.refresh_from_db()
    assert draft.status == VersionStatus.DRAFT
    draft.procedure.refresh_from_db()
    assert draft.procedure.current_version is None


def test_a_draft_without_tiers_cannot_be_published():
    draft = make_procedure(publish=False)
    draft.tiers.clear()
    with pytest.raises(ValidationError) as caught:
        services.publish_version(draft)
    assert "Chưa chọn cấp thực hiện." in caught.value.messages


def test_step_budgets_over_the_limit_are_refused():
    # 1 working day = 8 working hours; the template's steps need 4 + 8 = 12.
    draft = make_procedure(limit=Limit(DAYS, 1), steps=[step(1, 4), step(2, 8)], publish=False)
    with pytest.raises(ValidationError) as caught:
        services.publish_version(draft)
    assert caught.value.messages == [
        "Tổng thời gian các bước (12 giờ) vượt thời hạn giải quyết (8 giờ làm việc)."
    ]


def test_step_budgets_exactly_at_the_limit_are_accepted():
    version = make_procedure(limit=Limit(DAYS, 1), steps=[step(1, 4), step(2, 4)])
    assert version.status == VersionStatus.PUBLISHED


def test_draft_next_version_keeps_document_keys_and_copies_everything():
    agency = make_agency()
    v1 = make_procedure(
        documents=[
            {"key": "to-khai", "name": "Tờ khai"},
            {"key": "giay-chung-sinh", "name": "Giấy chứng sinh", "kind": "original"},
        ],
        fees=[CERTIFIED_COPY_FEE],
        steps=[step(1, 4), step(2, 8)],
        receivers=[agency],
        tiers=["province", "commune"],
    )
    v2 = services.draft_next_version(v1)

    assert list(v2.documents.values_list("key", flat=True)) == ["to-khai", "giay-chung-sinh"]
    assert set(v2.documents.values_list("pk", flat=True)).isdisjoint(
        v1.documents.values_list("pk", flat=True)
    )
    assert v1.documents.count() == 2  # the published version keeps its own
    assert v2.fees.count() == 1
    assert v2.steps.count() == 2
    assert [link.agency for link in v2.agency_links.all()] == [agency]
    assert sorted(t.code for t in v2.tiers.all()) == ["commune", "province"]
    assert v2.published_at is None


def test_draft_next_version_numbers_after_the_highest_version():
    v1 = make_procedure()
    services.draft_next_version(v1)
    v3 = services.draft_next_version(v1)
    assert v3.number == 3


# --- limits and processes at an agency ------------------------------------------------------


def test_limit_at_uses_an_agency_own_shorter_limit():
    faster = make_agency()
    ordinary = make_agency()
    version = make_procedure(
        limit=Limit(DAYS, 10),
        receivers=[{"agency": faster, "limit": Limit(DAYS, 5)}, {"agency": ordinary}],
    )
    assert services.limit_at(version, faster) == Limit(DAYS, 5)
    assert services.limit_at(version, ordinary) == Limit(DAYS, 10)
    assert services.limit_at(version, None) == Limit(DAYS, 10)
    assert services.limit_at(version, make_agency()) == Limit(DAYS, 10)


def test_steps_at_uses_an_agency_own_process_instead_of_the_template():
    own = make_agency()
    other = make_agency()
    version = make_procedure(
        steps=[
            step(1, 4, name="Tiếp nhận"),
            step(2, 16, name="Thẩm định"),
            step(3, 4, name="Phê duyệt"),
            step(2, 8, name="Thẩm định rút gọn", agency=own),
            step(1, 2, name="Tiếp nhận tại xã", agency=own),
        ],
        receivers=[own, other],
    )
    assert [s.name for s in services.steps_at(version, own)] == [
        "Tiếp nhận tại xã",
        "Thẩm định rút gọn",
    ]
    template = ["Tiếp nhận", "Thẩm định", "Phê duyệt"]
    assert [s.name for s in services.steps_at(version, other)] == template
    assert [s.name for s in services.steps_at(version, None)] == template


def test_default_receiver_is_the_marked_link():
    first, second = make_agency(), make_agency()
    version = make_procedure(receivers=[{"agency": first}, {"agency": second, "default": True}])
    assert services.default_receiver(version) == second


# --- expected dates -------------------------------------------------------------------------


def test_expected_due_same_day_before_an_agency_later_cutoff():
    # Friday 13/3/2026 15:30: after the default 15:00 cut-off but before this agency's 16:00.
    late_cutoff = make_agency(cutoff=time(16, 0))
    version = make_procedure(limit=Limit(LimitKind.SAME_DAY), receivers=[late_cutoff])
    received = vn(2026, 3, 13, 15, 30)

    at_agency = services.expected_due(version, late_cutoff, received)
    assert at_agency.due_at == vn(2026, 3, 13, 17, 0)
    assert at_agency.counted_from == received

    by_default = services.expected_due(version, None, received)
    # The next working day after Friday is Monday 16/3/2026.
    assert by_default.due_at == vn(2026, 3, 16, 17, 0)
    assert by_default.counted_from == vn(2026, 3, 16, 7, 0)


def test_expected_due_uses_the_agency_own_limit():
    faster = make_agency()
    version = make_procedure(
        limit=Limit(DAYS, 10), receivers=[{"agency": faster, "limit": Limit(DAYS, 1)}]
    )
    # Received Saturday 7/3/2026: day 1 is Monday 9/3/2026.
    due = services.expected_due(version, faster, vn(2026, 3, 7, 10, 0))
    assert due.due_at == vn(2026, 3, 9, 17, 0)


def test_expected_due_returns_aware_local_datetimes_from_a_utc_receipt():
    version = make_procedure(limit=Limit(DAYS, 1))
    received = datetime(2026, 3, 9, 3, 0, tzinfo=UTC)  # 10:00 in Hà Nội
    due = services.expected_due(version, None, received)
    assert due.due_at == vn(2026, 3, 10, 17, 0)
    assert due.due_at.utcoffset().total_seconds() == 7 * 3600


def test_expected_due_is_none_without_a_published_limit():
    version = make_procedure(publish=False)
    version.limit_kind = None
    version.save()
    assert services.expected_due(version, None, vn(2026, 3, 9, 10)) is None


# --- fees -----------------------------------------------------------------------------------


@pytest.fixture
def certified_copy_fee():
    version = make_procedure(fees=[CERTIFIED_COPY_FEE])
    return version.fees.get()


@pytest.mark.parametrize(
    ("pages", "amount"),
    [(1, 2000), (2, 4000), (3, 5000), (4, 6000), (10, 12000), (198, 200000), (500, 200000)],
)
def test_fee_amount_for_the_certified_copy_tiers_and_cap(certified_copy_fee, pages, amount):
    assert services.fee_amount(certified_copy_fee, quantity=pages) == amount
    assert isinstance(services.fee_amount(certified_copy_fee, quantity=pages), int)


def test_fee_amount_online_uses_the_online_amount():
    version = make_procedure(
        fees=[
            {"kind": "le_phi", "name": "Lệ phí", "amount": 50000, "online_amount": 25000},
            {"kind": "phi", "name": "Phí", "amount": 30000},
        ]
    )
    reduced, plain = version.fees.order_by("order")
    assert services.fee_amount(reduced) == 50000
    assert services.fee_amount(reduced, online=True) == 25000
    assert services.fee_amount(plain, online=True) == 30000


def test_fee_amount_of_a_free_online_service_is_zero():
    version = make_procedure(
        fees=[{"kind": "le_phi", "name": "Lệ phí", "amount": 8000, "online_amount": 0}]
    )
    assert services.fee_amount(version.fees.get(), online=True) == 0


def test_fee_amount_multiplies_copies():
    version = make_procedure(
        fees=[{"kind": "le_phi", "name": "Bản sao trích lục", "amount": 8000, "unit": "copy"}]
    )
    assert services.fee_amount(version.fees.get(), quantity=3) == 24000


def test_fee_amount_caps_a_fee_charged_per_copy():
    version = make_procedure(
        fees=[
            {
                "kind": "le_phi",
                "name": "Bản sao",
                "amount": 10000,
                "unit": FeeUnit.COPY,
                "cap": 50000,
            }
        ]
    )
    assert services.fee_amount(version.fees.get(), quantity=10) == 50000


@pytest.mark.parametrize("quantity", [0, -1])
def test_fee_amount_refuses_a_quantity_below_one(certified_copy_fee, quantity):
    with pytest.raises(ValidationError, match="Số lượng phải từ 1 trở lên"):
        services.fee_amount(certified_copy_fee, quantity=quantity)


def test_fee_amounts_are_stored_as_integer_dong(certified_copy_fee):
    fee = ProcedureFee.objects.get(pk=certified_copy_fee.pk)
    assert (fee.amount, fee.subsequent_amount, fee.cap) == (2000, 1000, 200000)
    assert all(isinstance(v, int) for v in (fee.amount, fee.subsequent_amount, fee.cap))


# --- search ---------------------------------------------------------------------------------


@pytest.fixture
def civil_status():
    return make_field("ho-tich", name="Hộ tịch")


def names(results) -> list[str]:
    return [p.name for p in results]


def codes(results) -> list[str]:
    return [p.code for p in results]


@pytest.mark.parametrize(
    "query", ["dang ky khai sinh", "ĐĂNG KÝ KHAI SINH", "Đăng ký khai sinh", "khai SINH"]
)
def test_search_ignores_diacritics_and_case(civil_status, query):
    make_procedure(name="Thủ tục đăng ký khai sinh", field=civil_status)
    make_procedure(name="Thủ tục đăng ký kết hôn", field=civil_status)
    assert names(services.search_procedures(query)) == ["Thủ tục đăng ký khai sinh"]


def test_search_requires_every_word(civil_status):
    make_procedure(name="Đăng ký khai sinh", field=civil_status)
    make_procedure(name="Đăng ký kết hôn", field=civil_status)
    assert names(services.search_procedures("đăng ký")) == ["Đăng ký khai sinh", "Đăng ký kết hôn"]
    assert names(services.search_procedures("khai sinh kết hôn")) == []


def test_search_matches_the_field_name_and_the_code(civil_status):
    version = make_procedure(code="1.001193", name="Đăng ký khai sinh", field=civil_status)
    make_procedure(name="Cấp giấy phép xây dựng", field=make_field(name="Xây dựng"))
    assert names(services.search_procedures("ho tich")) == ["Đăng ký khai sinh"]
    assert codes(services.search_procedures("1.001193")) == [version.procedure.code]


def test_search_without_a_query_lists_every_published_procedure(civil_status):
    make_procedure(code="1.000002", name="B", field=civil_status)
    make_procedure(code="1.000001", name="A", field=civil_status)
    assert [p.code for p in services.search_procedures("")] == ["1.000001", "1.000002"]
    assert [p.code for p in services.search_procedures(None)] == ["1.000001", "1.000002"]


def test_search_never_shows_drafts(civil_status):
    make_procedure(name="Đăng ký khai sinh", field=civil_status)
    make_procedure(name="Đăng ký khai sinh lưu động", field=civil_status, publish=False)
    assert names(services.search_procedures("khai sinh")) == ["Đăng ký khai sinh"]
    assert names(services.search_procedures()) == ["Đăng ký khai sinh"]


def test_search_shows_the_published_version_while_a_new_draft_is_prepared(civil_status):
    v1 = make_procedure(name="Đăng ký khai sinh", field=civil_status, online_level="partial")
    draft = services.draft_next_version(v1)
    draft.online_level = "full"
    draft.save()
    found = services.search_procedures("khai sinh")
    assert len(found) == 1
    assert found[0].level == "partial"


def test_search_filters_by_field(civil_status):
    make_procedure(name="Đăng ký khai sinh", field=civil_status)
    make_procedure(name="Cấp giấy phép xây dựng", field=make_field("xay-dung", name="Xây dựng"))
    assert names(services.search_procedures(field="xay-dung")) == ["Cấp giấy phép xây dựng"]
    assert names(services.search_procedures("khai sinh", field="xay-dung")) == []


def test_search_filters_by_receiving_or_competent_agency(civil_status):
    desk = make_agency(kind=AgencyKind.ONE_STOP_DESK, tier="commune")
    department = make_agency(kind=AgencyKind.DEPARTMENT, receives=False)
    make_procedure(name="Đăng ký khai sinh", field=civil_status, receivers=[desk])
    make_procedure(name="Cấp phiếu lý lịch tư pháp", competent_agency=department)
    make_procedure(name="Không liên quan")
    assert names(services.search_procedures(agency=desk.code)) == ["Đăng ký khai sinh"]
    assert names(services.search_procedures(agency=department.code)) == [
        "Cấp phiếu lý lịch tư pháp"
    ]


def test_search_filter_by_agency_lists_a_procedure_once():
    agency = make_agency()
    make_procedure(name="Đăng ký khai sinh", receivers=[agency], competent_agency=agency)
    assert services.search_page(agency=agency.code).count == 1


def test_search_filters_by_tier_and_level(civil_status):
    make_procedure(name="Đăng ký khai sinh", tiers=["commune"], online_level="full")
    make_procedure(name="Đăng ký kết hôn", tiers=["commune"], online_level="partial")
    make_procedure(name="Cấp giấy phép", tiers=["province"], online_level="full")
    assert names(services.search_procedures(tier="commune")) == [
        "Đăng ký khai sinh",
        "Đăng ký kết hôn",
    ]
    assert names(services.search_procedures(level="full")) == [
        "Đăng ký khai sinh",
        "Cấp giấy phép",
    ]
    assert names(services.search_procedures(tier="commune", level="full")) == ["Đăng ký khai sinh"]


def test_search_ranks_the_phrase_in_the_name_first(civil_status):
    scattered = make_procedure(
        code="1.000001", name="Đăng ký lại việc khai sinh", field=civil_status
    )
    inside = make_procedure(code="1.000002", name="Thủ tục đăng ký khai sinh", field=civil_status)
    starts = make_procedure(
        code="1.000003", name="Đăng ký khai sinh có yếu tố nước ngoài", field=civil_status
    )
    # The most viewed does not outrank the phrase.
    for _ in range(5):
        services.count_view(scattered.procedure)
    services.count_view(inside.procedure)
    found = services.search_procedures("đăng ký khai sinh")
    assert codes(found) == [starts.procedure.code, inside.procedure.code, scattered.procedure.code]


def test_search_ranks_the_most_viewed_first_among_equals(civil_status):
    a = make_procedure(code="1.000001", name="Đăng ký khai sinh", field=civil_status)
    b = make_procedure(code="1.000002", name="Đăng ký khai tử", field=civil_status)
    services.count_view(b.procedure)
    assert codes(services.search_procedures("đăng ký")) == [b.procedure.code, a.procedure.code]
    assert codes(services.search_procedures()) == [b.procedure.code, a.procedure.code]


# --- figures --------------------------------------------------------------------------------


def test_catalog_figures_count_published_procedures_by_level_and_agencies():
    make_procedure(online_level="full")
    make_procedure(online_level="full")
    make_procedure(online_level="partial")
    make_procedure(online_level="info", publish=False)
    make_agency(receives=True)
    make_agency(receives=False, kind=AgencyKind.DEPARTMENT)
    make_agency(receives=True, is_active=False)

    figures = services.catalog_figures()

    assert figures.procedures == 3
    assert figures.by_level == {"full": 2, "partial": 1}
    assert figures.agencies == 2
    assert figures.receiving_agencies == 1
