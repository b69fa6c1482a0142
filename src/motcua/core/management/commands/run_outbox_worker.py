"""``manage.py run_outbox_worker [--once]``: deliver outbox messages and run periodic jobs.

Run it under a supervisor (systemd ``Restart=always``); SIGTERM or SIGINT stops it after the
message in hand (docs/operations.md: Outbox). On SQLite run exactly one.
"""

import signal
import threading

from django.core.management.base import BaseCommand

from motcua.core import outbox


class Command(BaseCommand):
    help = "Deliver due outbox messages and run due periodic jobs (until SIGTERM, or --once)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--once",
            action="store_true",
            help="One pass over what is due now, then exit (cron, tests, a manual drain).",
        )
        parser.add_argument("--batch", type=int, default=10, help="Messages claimed at a time.")
        parser.add_argument("--worker-id", default=None, help="Name in logs and claimed_by.")

    def handle(self, *args, once: bool, batch: int, worker_id: str | None, **options):
        stop = threading.Event()

        def request_stop(signum, _frame):
            stop.set()

        signals = (signal.SIGTERM, signal.SIGINT)
        previous = {signum: signal.signal(signum, request_stop) for signum in signals}
        try:
            run = outbox.run_worker(once=once, batch=batch, worker_id=worker_id, stop_event=stop)
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
        if once:
            self.stdout.write(
                f"done {run.done}, retried {run.retried}, failed {run.failed}; "
                f"jobs: {', '.join(run.jobs) or '-'}"
            )
