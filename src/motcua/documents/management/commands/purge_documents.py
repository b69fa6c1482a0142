from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError

from motcua.documents import services


class Command(BaseCommand):
    help = "Xóa các tệp không còn được dùng (tệp nháp bỏ dở, tệp mồ côi) cũ hơn số giờ cho trước."

    def add_arguments(self, parser):
        parser.add_argument(
            "--hours",
            type=int,
            default=48,
            help="Chỉ xóa tệp cũ hơn số giờ này (mặc định 48).",
        )

    def handle(self, *args, hours: int, **options):
        if hours < 1:
            raise CommandError("--hours phải từ 1 trở lên.")
        removed = services.purge(older_than=timedelta(hours=hours))
        self.stdout.write(f"Đã xóa {removed} tệp.")
