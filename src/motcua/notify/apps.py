from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "motcua.notify"
    verbose_name = "Thông báo (thư điện tử, SMS)"
    default_auto_field = "django.db.models.BigAutoField"
