from django.core.management.base import BaseCommand

from motcua.accounts.demo import DEMO_PASSWORD, DEMO_USERS, load_demo_users
from motcua.catalog.demo import load_demo_agencies, load_demo_catalog
from motcua.catalog.geography import load_units

DEMO_SIGN_INS = [(u.username, DEMO_PASSWORD, u.description) for u in DEMO_USERS]


class Command(BaseCommand):
    help = "Load the demo (units, HCMC agencies, catalog, sign-ins); safe to run again."

    def handle(self, *args, **options):
        units = load_units()
        self.stdout.write(f"Đơn vị hành chính: {units or 'đã có, giữ nguyên'}")
        self.stdout.write(f"Cơ quan: {load_demo_agencies()}")
        report = load_demo_catalog()
        self.stdout.write(f"Danh mục thủ tục: {report.summary()}")
        self.stdout.write(f"Tài khoản thử nghiệm: {load_demo_users()}")
