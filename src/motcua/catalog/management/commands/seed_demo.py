from django.conf import settings
from django.core.management.base import BaseCommand

from motcua.accounts.demo import DEMO_PASSWORD, DEMO_USERS, load_demo_users
from motcua.catalog.demo import load_demo_agencies, load_demo_catalog
from motcua.catalog.geography import load_units

DEMO_SIGN_INS = [(u.username, DEMO_PASSWORD, u.description) for u in DEMO_USERS]
# Dossiers generated on the first run (issue 4 §3); none under the test profile, whose
# fixtures load the demo for pages that expect it empty.
DEMO_DOSSIERS = 0 if settings.PROFILE == "test" else 300


class Command(BaseCommand):
    help = "Load the demo (units, HCMC agencies, catalog, sign-ins, dossiers); safe to run again."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dossiers",
            type=int,
            default=DEMO_DOSSIERS,
            help="dossiers to generate when there are none yet (default %(default)s)",
        )

    def handle(self, *args, **options):
        units = load_units()
        self.stdout.write(f"Đơn vị hành chính: {units or 'đã có, giữ nguyên'}")
        self.stdout.write(f"Cơ quan: {load_demo_agencies()}")
        report = load_demo_catalog()
        self.stdout.write(f"Danh mục thủ tục: {report.summary()}")
        self.stdout.write(f"Tài khoản thử nghiệm: {load_demo_users()}")
        if options["dossiers"]:
            from motcua.dossiers.models import Dossier

            if Dossier.objects.exists():
                self.stdout.write("Hồ sơ mẫu: đã có hồ sơ, giữ nguyên.")
            else:
                from motcua.dossiers.demo import generate

                generated = generate(options["dossiers"])
                self.stdout.write(f"Hồ sơ mẫu: {generated.summary()}")
                from motcua.dossiers.demo import post_some_results

                posted = post_some_results()
                self.stdout.write(
                    f"Gửi kết quả qua bưu chính: {posted} hồ sơ (bưu điện thử nghiệm phát trong "
                    "ít phút khi máy chủ chạy)."
                )
            if settings.MOTCUA.get("DEPLOYMENT_MODEL", 1) == 2 and settings.SANDBOX:
                self._national_demo()

    def _national_demo(self) -> None:
        """Model 2: the sandbox national portal files a few dossiers here as soon as the
        server runs (its outbox sends them, signed), once per database."""
        from motcua.sandbox.models import DvcqgDossier
        from motcua.sandbox.national import send_demo_dossiers

        if DvcqgDossier.objects.exists():
            self.stdout.write("Cổng DVC quốc gia (thử nghiệm): đã gửi hồ sơ, giữ nguyên.")
            return
        sent = send_demo_dossiers(3)
        self.stdout.write(
            f"Cổng DVC quốc gia (thử nghiệm): {len(sent)} hồ sơ sẽ được gửi đến khi máy chủ "
            "chạy; xem /sandbox/dvcqg/."
        )
