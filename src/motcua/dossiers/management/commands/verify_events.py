from django.core.management.base import BaseCommand, CommandError

from motcua.dossiers.events import verify_chain
from motcua.dossiers.models import Dossier


class Command(BaseCommand):
    help = "Check every dossier's hash-chained event log; report edited or missing events."

    def add_arguments(self, parser):
        parser.add_argument("--code", help="only this dossier")

    def handle(self, *args, code=None, **options):
        dossiers = Dossier.objects.exclude(event_seq=0).order_by("id")
        if code:
            dossiers = dossiers.filter(code=code)
        broken = 0
        checked = 0
        for dossier in dossiers.iterator(chunk_size=500):
            checked += 1
            for problem in verify_chain(dossier):
                broken += 1
                self.stdout.write(f"{dossier}: {problem}")
        if broken:
            raise CommandError(f"{broken} vấn đề trong nhật ký của {checked} hồ sơ.")
        self.stdout.write(f"Nhật ký nguyên vẹn: {checked} hồ sơ.")
