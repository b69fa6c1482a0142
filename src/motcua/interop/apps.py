from django.apps import AppConfig


class InteropConfig(AppConfig):
    name = "motcua.interop"
    verbose_name = "Liên thông Cổng DVC quốc gia"
