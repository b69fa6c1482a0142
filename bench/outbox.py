"""Outbox messages delivered per second with the sandboxes on loopback (issue 5 §6).

Queues N e-mails and N SMS (the "payment received" notice, through ``notify.services`` like
any notice), then starts on loopback: an SMTP server (aiosmtpd, accepting everything),
gunicorn serving the sandbox SMS gateway and our delivery-report endpoint, and W outbox
workers (``manage.py run_outbox_worker``). It measures the time until every ``email.send``
and ``sms.send`` message is done, and until every SMS delivery report is back.

    make bench  (on a throwaway PostgreSQL 15; SQLite runs one worker, as DESIGN says)
    DATABASE_URL=... .venv/bin/python bench/outbox.py [--messages 2000] [--workers 4]
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "motcua.settings")
os.environ.setdefault("MOTCUA_PROFILE", "test")

import django  # noqa: E402

django.setup()

from aiosmtpd.controller import Controller  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from motcua.core.models import OutboxMessage  # noqa: E402
from motcua.notify import services as notify  # noqa: E402
from motcua.notify.models import Message  # noqa: E402
from motcua.sandbox.models import SmsMessage  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Sink:
    def __init__(self) -> None:
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        return "250 OK"


def queue(n: int) -> None:
    values = {"owner_name": "Người thử", "code": "BENCH", "amount": "10.000 đ"}
    for start in range(0, n, 500):
        with transaction.atomic():
            for i in range(start, min(n, start + 500)):
                one = {**values, "reference": f"R{i}"}
                notify.send_email("payment_received", one, to=f"nguoi{i}@example.vn", key=f"b{i}")
                notify.send_sms("payment_received", one, to=f"+8490{i:07d}", key=f"b{i}")


def wait_for(url: str) -> None:
    for _ in range(150):
        try:
            urllib.request.urlopen(url, timeout=1)  # noqa: S310 - loopback
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=2000, help="e-mails, and as many SMS")
    parser.add_argument("--workers", type=int, default=4, help="outbox worker processes")
    parser.add_argument("--web-workers", type=int, default=2)
    args = parser.parse_args()
    if connection.vendor == "sqlite":
        args.workers = 1  # DESIGN: one worker on SQLite

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    OutboxMessage.objects.all().delete()
    Message.objects.all().delete()
    SmsMessage.objects.all().delete()  # the sandbox deduplicates on our keys
    started = time.perf_counter()
    queue(args.messages)
    queued_s = time.perf_counter() - started
    connection.close()

    sink = Sink()
    smtp_port = free_port()
    smtp = Controller(sink, hostname="127.0.0.1", port=smtp_port)
    smtp.start()
    port = free_port()
    env = {
        **os.environ,
        # The development profile: real SMTP when told, the sandbox mounted.
        "MOTCUA_PROFILE": "development",
        "LOG_LEVEL": "WARNING",
        "ALLOWED_HOSTS": "127.0.0.1",
        "MOTCUA_SITE_URL": f"http://127.0.0.1:{port}",
        "MOTCUA_SMS_API_URL": f"http://127.0.0.1:{port}/sandbox/sms",
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port),
    }
    web = subprocess.Popen(  # noqa: S603 - our own gunicorn, fixed arguments
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "--chdir",
            str(ROOT / "src"),
            "motcua.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(args.web_workers),
            "--log-level",
            "warning",
        ],
        env=env,
    )
    workers = []
    try:
        wait_for(f"http://127.0.0.1:{port}/healthz")
        begin = time.perf_counter()
        workers = [
            subprocess.Popen(  # noqa: S603 - our own command
                [str(ROOT / ".venv/bin/python"), str(ROOT / "manage.py"), "run_outbox_worker"],
                env=env,
            )
            for _ in range(args.workers)
        ]
        ours = OutboxMessage.objects.filter(kind__in=["email.send", "sms.send"])
        reports = OutboxMessage.objects.filter(kind="sandbox.sms.report")
        sent_s = reported_s = None
        while time.perf_counter() - begin < 600:
            pending = ours.exclude(state="done").count()
            if sent_s is None and pending == 0:
                sent_s = time.perf_counter() - begin
            if sent_s is not None and reports.count() == args.messages:
                if not reports.exclude(state="done").exists():
                    reported_s = time.perf_counter() - begin
                    break
            time.sleep(0.2)
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=30)
        web.terminate()
        web.wait(timeout=30)
        smtp.stop()
    total = 2 * args.messages
    delivered = Message.objects.filter(channel="sms", status="delivered").count()
    print(
        f"{connection.vendor}: queued {total} in {queued_s:.1f} s; {args.workers} workers "
        f"delivered them in {sent_s:.1f} s = {total / sent_s:.0f} messages/s "
        f"({sink.count} e-mails at the SMTP server, "
        f"{Message.objects.filter(channel='sms').exclude(gateway_id='').count()} SMS taken); "
        f"all {delivered} SMS delivery reports back after "
        f"{reported_s:.1f} s"
        if sent_s and reported_s
        else "did not finish in 10 minutes"
    )


if __name__ == "__main__":
    main()
