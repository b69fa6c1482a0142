from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from motcua.catalog.demo import load_demo_agencies, load_demo_catalog
from motcua.catalog.geography import load_units

DEMO_SIGN_INS = [
    # (username, password, what they are)
    ("quantri", "quantri-demo", "Quản trị hệ thống (operator) — /quan-tri/"),
]


class Command(BaseCommand):
    help = "Load the demo (units, HCMC agencies, catalog, sign-ins); safe to run again."

    def handle(self, *args, **options):
        units = load_units()
        self.stdout.write(f"Đơn vị hành chính: {units or 'đã có, giữ nguyên'}")
        self.stdout.write(f"Cơ quan: {load_demo_agencies()}")
        report = load_demo_catalog()
        self.stdout.write(f"Danh mục thủ tục: {report.summary()}")
        users = get_user_model()
        for username, password, _ in DEMO_SIGN_INS:
            if not users.objects.filter(username=username).exists():
                users.objects.create_superuser(
                    username, f"{username}@demo.motcua.invalid", password
                )
