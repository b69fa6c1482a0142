"""How the documents app learns about dossiers: who may see a file, which files are in use."""

from __future__ import annotations

from motcua.documents.models import StoredFile

from .models import DossierDocument


def officers_of_the_dossier_may_view(user, stored_file: StoredFile) -> bool:
    """Officers of the agencies of a dossier holding the file (parties see their own files
    through the documents app's owner rule)."""
    from .services import visible_to

    return visible_to(user).filter(documents__stored_file=stored_file).exists()


def files_in_dossiers():
    """Every file attached to a dossier, drafts included: the purge keeps them."""
    return DossierDocument.objects.filter(stored_file__isnull=False).values("stored_file_id")
