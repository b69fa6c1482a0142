from datetime import timedelta

from django.test import Client
from django.utils import timezone

from motcua.documents.models import FileAccess, StoredFile
from motcua.documents.services import purge


def test_officers_of_the_dossier_s_agency_may_open_its_files_and_are_logged(world):
    dossier = world.file()
    stored = dossier.documents.get().stored_file
    url = f"/tai-lieu/{stored.pk}/"
    officer = Client()
    officer.force_login(world.one_stop)
    assert officer.get(url).status_code == 200
    assert FileAccess.objects.filter(file=stored, user=world.one_stop).exists()
    outsider = Client()
    outsider.force_login(world.one_stop_y)
    assert outsider.get(url).status_code == 404


def test_the_purge_keeps_files_attached_to_dossiers(world):
    dossier = world.file()
    attached = dossier.documents.get().stored_file
    abandoned = world.upload(world.citizen, name="bo-quen.pdf")
    later = timezone.now() + timedelta(days=30)
    purge(older_than=timedelta(hours=48), now=later)
    assert StoredFile.objects.get(pk=attached.pk).deleted_at is None
    assert StoredFile.objects.get(pk=abandoned.pk).deleted_at is not None
