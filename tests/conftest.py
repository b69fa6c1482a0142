import os

os.environ.setdefault("MOTCUA_PROFILE", "test")
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
