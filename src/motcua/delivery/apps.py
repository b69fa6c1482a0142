from django.apps import AppConfig


class DeliveryConfig(AppConfig):
    name = "motcua.delivery"
    verbose_name = "Bưu chính công ích"
    default_auto_field = "django.db.models.BigAutoField"
