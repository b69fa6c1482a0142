"""``manage.py generate_dossiers --count N [--seed S] [--workers K]``: realistic dossiers
through the real services (motcua.dossiers.demo), for the demo and for benchmarks."""

from __future__ import annotations

from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone
from tqdm import tqdm

from motcua.dossiers import demo
from motcua.dossiers.models import Dossier


class Command(BaseCommand):
    help = (
        "Tạo hồ sơ mẫu như thật (mọi trạng thái, kênh nộp, ngày tháng, tiến độ) qua đúng các "
        "dịch vụ nghiệp vụ; cần danh mục và tài khoản thử nghiệm (seed_demo) trước."
    )

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, default=300, help="số hồ sơ (mặc định 300)")
        parser.add_argument("--seed", type=int, default=1, help="hạt giống ngẫu nhiên")
        parser.add_argument(
            "--workers",
            type=int,
            default=1,
            help="số tiến trình song song (PostgreSQL; SQLite chỉ 1)",
        )
        parser.add_argument(
            "--now",
            help="thời điểm “bây giờ” của dữ liệu, ISO 8601 có múi giờ (mặc định: bây giờ)",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="chỉ tạo khi cơ sở dữ liệu chưa có hồ sơ nào",
        )
        parser.add_argument("--no-progress", action="store_true", help="không hiện thanh tiến độ")

    def handle(self, *args, **options):
        count, workers = options["count"], options["workers"]
        if count < 0 or workers < 1:
            raise CommandError("--count phải từ 0 và --workers từ 1.")
        if workers > 1 and connection.vendor == "sqlite":
            raise CommandError("SQLite có một tiến trình ghi: dùng --workers 1 (hoặc PostgreSQL).")
        now = None
        if options["now"]:
            now = datetime.fromisoformat(options["now"])
            if timezone.is_naive(now):
                raise CommandError("--now cần múi giờ, ví dụ 2026-03-20T10:00:00+07:00.")
        if options["if_empty"] and Dossier.objects.exists():
            self.stdout.write("Hồ sơ mẫu: đã có hồ sơ, giữ nguyên.")
            return
        disable = options["no_progress"] or options["verbosity"] < 1
        tqdm.monitor_interval = 0  # no monitor thread: the workers are forked
        with tqdm(total=count, unit=" hồ sơ", disable=disable, dynamic_ncols=True) as bar:
            report = demo.generate(
                count, seed=options["seed"], now=now, workers=workers, progress=bar.update
            )
        self.stdout.write(f"Hồ sơ mẫu: {report.summary()}")
        if options["verbosity"] > 1:
            for user, counts in demo.demo_queues(now).items():
                shown = ", ".join(f"{k} {v}" for k, v in counts.items())
                self.stdout.write(f"  {user}: {shown}")
        if report.failed:
            raise CommandError(f"{report.failed} hồ sơ không tạo được (xem nhật ký).")
