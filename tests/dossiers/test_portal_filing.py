"""The web e-form: upload, save a draft, the self-check, submit (issue 3 §3)."""

from django.core.files.uploadedfile import SimpleUploadedFile

from motcua.dossiers.models import Dossier, State
from tests.documents.samples import pdf


def test_a_citizen_files_through_the_web_form_and_sees_the_code(world, client):
    client.force_login(world.citizen)
    url = "/thu-tuc/1.000001/nop-ho-so/"
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "agency": world.desk_x.code,
            "delivery": "counter",
            "submit": "1",
            "document_to-khai": SimpleUploadedFile("to-khai.pdf", pdf(), "application/pdf"),
        },
    )
    dossier = Dossier.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/ho-so/{dossier.code}/"
    page = client.get(response["Location"]).content.decode()
    assert dossier.code in page and "Đã nộp, đang chờ cán bộ tiếp nhận" in page


def test_the_self_check_lists_what_is_missing_and_keeps_a_draft(world, client):
    client.force_login(world.citizen)
    response = client.post(
        "/thu-tuc/1.000001/nop-ho-so/",
        {
            "agency": world.desk_x.code,
            "delivery": "post",
            "post_address": "",
            "submit": "1",
        },
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "Hồ sơ chưa đầy đủ" in page and "Thiếu “Tờ khai theo mẫu”" in page
    draft = Dossier.objects.get()
    assert draft.state == State.DRAFT and draft.code is None


def test_save_a_draft_then_resume_it(world, client):
    client.force_login(world.citizen)
    saved = client.post(
        "/thu-tuc/1.000001/nop-ho-so/",
        {
            "agency": world.desk_x.code,
            "delivery": "counter",
            "save": "1",
            "document_to-khai": SimpleUploadedFile("to-khai.pdf", pdf(), "application/pdf"),
        },
    )
    draft = Dossier.objects.get()
    assert saved["Location"] == f"/thu-tuc/1.000001/nop-ho-so/{draft.pk}/"
    page = client.get(saved["Location"]).content.decode()
    assert "to-khai.pdf" in page  # the file is still attached
    submitted = client.post(
        saved["Location"],
        {
            "agency": world.desk_x.code,
            "delivery": "counter",
            "submit": "1",
        },
    )
    assert submitted.status_code == 302
    assert Dossier.objects.get().state == State.SUBMITTED


def test_someone_else_s_draft_is_not_found(world, client):
    client.force_login(world.citizen)
    client.post("/thu-tuc/1.000001/nop-ho-so/", {"agency": world.desk_x.code, "save": "1"})
    draft = Dossier.objects.get()
    client.force_login(world.other_citizen)
    assert client.get(f"/thu-tuc/1.000001/nop-ho-so/{draft.pk}/").status_code == 404


def test_filing_needs_sign_in(world, client):
    response = client.get("/thu-tuc/1.000001/nop-ho-so/")
    assert response.status_code == 302 and "/dang-nhap/" in response["Location"]
