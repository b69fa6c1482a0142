from django.core.management.base import BaseCommand

from .seed_demo import DEMO_SIGN_INS


class Command(BaseCommand):
    help = "Print the demo sign-ins (username, password, role)."

    def add_arguments(self, parser):
        parser.add_argument("port", nargs="?", default="8000")

    def handle(self, *args, port: str = "8000", **options):
        for username, password, role in DEMO_SIGN_INS:
            self.stdout.write(f"    {username} / {password} — {role}")
        self.stdout.write(f"    Trang quản trị: http://127.0.0.1:{port}/quan-tri/")
