from django.apps import AppConfig


class SandboxConfig(AppConfig):
    name = "motcua.sandbox"
    verbose_name = "Hộp cát (bên kia của các giao thức, chỉ để thử)"
    default_auto_field = "django.db.models.BigAutoField"
