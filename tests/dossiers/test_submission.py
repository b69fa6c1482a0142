import pytest
from django.utils import timezone

from motcua.core.outbox import OutboxMessage
from motcua.dossiers import services
from motcua.dossiers.errors import InvalidInput
from motcua.dossiers.events import Context
from motcua.dossiers.models import DailySerial, Dossier, State


def test_a_submitted_dossier_gets_the_code_of_its_agency_and_day(world):
    dossier = world.file()
    day = timezone.localdate(dossier.submitted_at)
    assert dossier.code == f"{world.desk_x.code}-{day:%y%m%d}-0001"
    assert dossier.state == State.SUBMITTED
    assert dossier.national_status == 1
    assert dossier.events.get().action == "submit"
    assert dossier.documents.get().document_key == "to-khai"


def test_serials_count_per_agency_and_day_without_gaps(world):
    codes = [world.file().code for _ in range(3)]
    assert [c[-4:] for c in codes] == ["0001", "0002", "0003"]
    assert world.file(agency=world.desk_y).code.endswith("-0001")


def test_past_9999_the_serial_grows_to_five_digits(world):
    world.file()
    DailySerial.objects.filter(agency=world.desk_x).update(last=9999)
    assert world.file().code.endswith("-10000")


def test_the_self_check_lists_everything_missing_and_writes_nothing(world):
    with pytest.raises(InvalidInput) as caught:
        world.file(files={}, delivery="post", post_address="  ")
    assert set(caught.value.problems) == {"document_to-khai", "post_address"}
    assert not Dossier.objects.exists()
    # The failed attempt took no number: the next dossier is 0001.
    assert world.file().code.endswith("-0001")


def test_a_file_of_another_citizen_cannot_be_attached(world):
    theirs = world.upload(world.other_citizen)
    with pytest.raises(InvalidInput) as caught:
        world.file(files={"to-khai": [theirs]})
    assert caught.value.problems["document_to-khai"] == ["Tệp không thuộc về bạn."]


def test_unknown_documents_and_an_unpublished_procedure_are_refused(world):
    with pytest.raises(InvalidInput) as caught:
        world.file(files={"to-khai": [world.upload(world.citizen)], "la": []})
    assert "document_la" in caught.value.problems


def test_the_declaration_form_is_checked_against_its_schema(world):
    world.version.form_schema = {
        "type": "object",
        "required": ["ho_ten_tre", "ngay_sinh"],
        "properties": {
            "ho_ten_tre": {"type": "string", "title": "Họ tên trẻ"},
            "ngay_sinh": {"type": "string", "format": "date", "title": "Ngày sinh"},
        },
    }
    world.version.save()
    with pytest.raises(InvalidInput) as caught:
        world.file(form={"ngay_sinh": "31/02/2026"})
    assert caught.value.problems["form.ho_ten_tre"] == ["Thiếu “Họ tên trẻ”."]
    assert caught.value.problems["form.ngay_sinh"] == ["“Ngày sinh” không hợp lệ."]
    dossier = world.file(form={"ho_ten_tre": "Nguyễn Văn Bé", "ngay_sinh": "2026-11-20"})
    assert dossier.form_data["ho_ten_tre"] == "Nguyễn Văn Bé"


def test_filing_for_someone_else_records_the_owner_and_the_submitter(world):
    dossier = world.file(applicant=services.Applicant(full_name="Lê Thị Cúc", phone="+84987654321"))
    assert dossier.on_behalf
    assert dossier.owner_name == "Lê Thị Cúc"
    assert dossier.submitter_name == "Nguyễn Văn An"
    assert dossier.owner is None and dossier.account == world.citizen


def test_the_default_agency_is_the_published_default_receiver(world):
    sub = services.Submission(
        version=world.version, delivery="counter", files={"to-khai": [world.upload(world.citizen)]}
    )
    dossier = services.submit(sub, ctx=Context(by=world.citizen))
    assert dossier.receiving_agency == world.desk_x


def test_submitting_enqueues_nothing_external_outside_the_outbox(world):
    world.file()
    assert not OutboxMessage.objects.exists()  # the receipt notice comes with reception


def test_an_organisation_owns_a_dossier_filed_by_one_of_its_people(world):
    from motcua.accounts import services as accounts

    company = accounts.register_organisation(
        tax_code="0100109106", name="Công ty Thử", representative=world.citizen
    )
    dossier = world.file(
        applicant=services.Applicant(full_name="Công ty Thử", tax_code="0100109106")
    )
    assert dossier.owner_organisation == company
    assert dossier.owner_id_number == "0100109106"
    with pytest.raises(InvalidInput) as caught:
        world.file(applicant=services.Applicant(full_name="Sai", tax_code="0100109107"))
    assert "applicant.tax_code" in caught.value.problems
