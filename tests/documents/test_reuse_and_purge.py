"""The citizen's data store (reuse) and the purge of files nothing uses any more."""

import io
import os
import time
import uuid
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from motcua.documents import references, services
from motcua.documents.errors import DocumentRejected
from motcua.documents.models import StoredFile
from tests.documents import samples

pytestmark = pytest.mark.django_db


def store(owner, name="a.pdf", *, age: timedelta = timedelta(0)) -> StoredFile:
    stored = services.store_upload(
        io.BytesIO(samples.pdf()), name=name, owner=owner, uploaded_by=owner
    )
    if age:
        StoredFile.objects.filter(pk=stored.pk).update(created_at=timezone.now() - age)
        stored.refresh_from_db()
    return stored


@pytest.fixture
def registered():
    added = []

    def register(source):
        added.append(references.register(source))
        return source

    yield register
    for source in added:
        references.unregister(source)


# --- reuse -----------------------------------------------------------------------------------


def test_the_citizen_reuses_only_their_own_kept_files_newest_first(citizen, other_citizen):
    older = store(citizen, "cu.pdf", age=timedelta(days=2))
    newer = store(citizen, "moi.pdf")
    store(other_citizen, "cua-nguoi-khac.pdf")
    purged = store(citizen, "da-xoa.pdf")
    StoredFile.objects.filter(pk=purged.pk).update(deleted_at=timezone.now())

    assert list(services.reusable_files(citizen)) == [newer, older]


def test_reusing_points_at_the_same_file(citizen):
    stored = store(citizen)
    assert services.reuse(stored, by=citizen).pk == stored.pk
    with transaction.atomic():  # inside a dossier's transaction the row is locked
        assert services.reuse(stored, by=citizen).pk == stored.pk
    assert StoredFile.objects.count() == 1


def test_reusing_someone_elses_file_is_refused(citizen, other_citizen, officer):
    stored = store(citizen)
    with pytest.raises(DocumentRejected) as caught:
        services.reuse(stored, by=other_citizen)
    assert caught.value.message == "Bạn không thể dùng lại tệp này."
    scan = services.store_upload(
        io.BytesIO(samples.pdf()), name="s.pdf", owner=None, uploaded_by=officer
    )
    with pytest.raises(DocumentRejected):
        services.reuse(scan, by=officer)  # the uploader is not the owner


def test_a_purged_file_cannot_be_reused(citizen):
    stored = store(citizen)
    StoredFile.objects.filter(pk=stored.pk).update(deleted_at=timezone.now())
    with pytest.raises(DocumentRejected):
        services.reuse(stored, by=citizen)


# --- purge -----------------------------------------------------------------------------------


def test_purge_removes_old_unreferenced_files_bytes_and_soft_deletes_the_row(citizen):
    old = store(citizen, age=timedelta(hours=49))
    path = services.path_of(old)
    now = timezone.now()

    assert services.purge(older_than=timedelta(hours=48), now=now) == 1

    old.refresh_from_db()
    assert old.deleted_at == now
    assert not path.exists()
    assert services.purge(older_than=timedelta(hours=48)) == 0  # nothing left to do


def test_purge_keeps_recent_files(citizen):
    recent = store(citizen, age=timedelta(hours=47))
    assert services.purge(older_than=timedelta(hours=48)) == 0
    recent.refresh_from_db()
    assert recent.deleted_at is None and services.path_of(recent).exists()


def test_purge_keeps_files_a_registered_source_still_uses(citizen, registered):
    by_list = store(citizen, "a.pdf", age=timedelta(days=5))
    by_query = store(citizen, "b.pdf", age=timedelta(days=5))
    orphan = store(citizen, "c.pdf", age=timedelta(days=5))
    registered(lambda: [by_list.pk])
    registered(lambda: StoredFile.objects.filter(pk=by_query.pk).values("id"))

    assert services.purge(older_than=timedelta(hours=48)) == 1

    for kept in (by_list, by_query):
        kept.refresh_from_db()
        assert kept.deleted_at is None and services.path_of(kept).exists()
    orphan.refresh_from_db()
    assert orphan.deleted_at is not None and not services.path_of(orphan).exists()


def _age(path, hours: float) -> None:
    then = time.time() - hours * 3600
    os.utime(path, (then, then))


def test_purge_removes_old_bytes_that_have_no_row(citizen, documents_root):
    kept = store(citizen, age=timedelta(days=5))
    references.register(keep_all := lambda: StoredFile.objects.values("id"))
    try:
        token = uuid.uuid4().hex
        orphan = documents_root / token[:2] / token[2:4] / token
        orphan.parent.mkdir(parents=True, exist_ok=True)
        orphan.write_bytes(b"%PDF-1.7 left by a rolled-back dossier")
        _age(orphan, 49)
        fresh_token = uuid.uuid4().hex
        fresh = documents_root / fresh_token[:2] / fresh_token[2:4] / fresh_token
        fresh.parent.mkdir(parents=True, exist_ok=True)
        fresh.write_bytes(b"an upload committing right now")
        stale_temp = orphan.parent / f"{services.TEMP_PREFIX}abc123"
        stale_temp.write_bytes(b"half an upload from a crash")
        _age(stale_temp, 49)
        foreign = documents_root / "README"
        foreign.write_text("not ours")
        _age(foreign, 1000)
        _age(services.path_of(kept), 1000)

        assert services.purge(older_than=timedelta(hours=48)) == 2
    finally:
        references.unregister(keep_all)

    assert not orphan.exists() and not stale_temp.exists()
    assert fresh.exists() and foreign.exists()
    assert services.path_of(kept).exists()


def test_purge_removes_bytes_a_soft_deleted_row_left_behind(citizen):
    stored = store(citizen)
    StoredFile.objects.filter(pk=stored.pk).update(deleted_at=timezone.now())
    _age(services.path_of(stored), 49)
    assert services.purge(older_than=timedelta(hours=48)) == 1
    assert not services.path_of(stored).exists()


def test_purge_works_on_an_empty_store():
    assert services.purge(older_than=timedelta(hours=48)) == 0


def test_the_purge_command_takes_hours(citizen):
    old = store(citizen, age=timedelta(hours=3))
    out = io.StringIO()
    call_command("purge_documents", "--hours", "48", stdout=out)
    assert out.getvalue().strip() == "Đã xóa 0 tệp."
    call_command("purge_documents", "--hours", "2", stdout=out)
    assert out.getvalue().strip().endswith("Đã xóa 1 tệp.")
    old.refresh_from_db()
    assert old.deleted_at is not None
