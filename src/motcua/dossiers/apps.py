from django.apps import AppConfig


class DossiersConfig(AppConfig):
    name = "motcua.dossiers"
    verbose_name = "Hồ sơ"

    def ready(self) -> None:
        from motcua.documents import access, references

        from . import files

        access.register(files.officers_of_the_dossier_may_view)
        references.register(files.files_in_dossiers)
