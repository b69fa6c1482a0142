import pytest
from django.contrib.auth import get_user_model


@pytest.fixture(autouse=True)
def documents_root(settings, tmp_path):
    """Each test stores its files in its own folder, so "nothing left on disk" is exact."""
    root = tmp_path / "private"
    settings.MOTCUA_DOCUMENTS = {**settings.MOTCUA_DOCUMENTS, "ROOT": root}
    return root


@pytest.fixture
def files_on_disk(documents_root):
    def listing() -> list:
        if not documents_root.exists():
            return []
        return sorted(p for p in documents_root.rglob("*") if p.is_file())

    return listing


@pytest.fixture
def citizen(db):
    return get_user_model().objects.create_user(
        "cong-dan-an", email="an@example.vn", password="mat-khau-2026"
    )


@pytest.fixture
def other_citizen(db):
    return get_user_model().objects.create_user(
        "cong-dan-binh", email="binh@example.vn", password="mat-khau-2026"
    )


@pytest.fixture
def officer(db):
    return get_user_model().objects.create_user(
        "can-bo-chi", email="chi@example.vn", password="mat-khau-2026"
    )
