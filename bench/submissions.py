"""Online submissions per second through the API on PostgreSQL (issue 3).

Starts gunicorn on loopback against the database in DATABASE_URL, then C client threads
each POST M birth registrations (multipart: the JSON part and three small PDFs, as a phone
sends them) with their own bearer tokens and Idempotency-Keys, and reports throughput and
latency seen by the clients. Bounded: C × M requests, then it stops.

    make bench  (runs every benchmark on a throwaway PostgreSQL 15)
    DATABASE_URL=... .venv/bin/python bench/submissions.py [--clients 8] [--per-client 25]
"""

import argparse
import io
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "motcua.settings")
os.environ.setdefault("MOTCUA_PROFILE", "test")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from pypdf import PdfWriter  # noqa: E402

from motcua.accounts import services as accounts  # noqa: E402
from motcua.accounts.models import User  # noqa: E402
from motcua.dossiers.models import Dossier  # noqa: E402

DOCUMENTS = ["to-khai-dang-ky-khai-sinh", "giay-chung-sinh", "giay-to-tuy-than"]


def small_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def multipart(data: dict, files: dict[str, bytes]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    out = io.BytesIO()
    out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="data"\r\n\r\n'.encode())
    out.write(json.dumps(data).encode() + b"\r\n")
    for name, content in files.items():
        out.write(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{name}.pdf"\r\nContent-Type: application/pdf\r\n\r\n'.encode()
        )
        out.write(content + b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return out.getvalue(), f"multipart/form-data; boundary={boundary}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--per-client", type=int, default=25)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    call_command("seed_demo", dossiers=0, stdout=io.StringIO())
    tokens = []
    for i in range(args.clients):
        user, _ = User.objects.get_or_create(
            username=f"bench{i}", defaults={"full_name": f"Người thử {i}"}
        )
        tokens.append(accounts.issue_token(user)[1])
    before = Dossier.objects.count()
    connection.close()

    port = free_port()
    env = {
        **os.environ,
        "MOTCUA_PROFILE": "development",
        "LOG_LEVEL": "WARNING",
        "ALLOWED_HOSTS": "127.0.0.1",
    }
    server = subprocess.Popen(  # noqa: S603 - our own gunicorn, fixed arguments
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "--chdir",
            str(ROOT / "src"),
            "motcua.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(args.workers),
            "--threads",
            "2",
            "--error-logfile",
            "-",
            "--log-level",
            "warning",
        ],
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(f"{base}/healthz", timeout=1)  # noqa: S310 - loopback
            break
        except OSError:
            time.sleep(0.2)
    pdf = small_pdf()
    files = {f"document_{key}": pdf for key in DOCUMENTS}
    latencies: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()

    def client(token: str) -> None:
        for _ in range(args.per_client):
            body, content_type = multipart(
                {"procedure_code": "1.001193", "delivery": "online"}, files
            )
            request = urllib.request.Request(  # noqa: S310 - loopback
                f"{base}/api/v1/dossiers",
                data=body,
                method="POST",
                headers={
                    "Authorization": f"Bearer {token}",
                    "Content-Type": content_type,
                    "Idempotency-Key": uuid.uuid4().hex,
                },
            )
            started = time.perf_counter()
            try:
                with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
                    ok = response.status == 201
            except urllib.error.HTTPError as exc:
                ok = False
                with lock:
                    failures.append(f"{exc.code} {exc.read()[:200]!r}")
            elapsed = time.perf_counter() - started
            with lock:
                if ok:
                    latencies.append(elapsed)

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(t,)) for t in tokens]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    server.terminate()
    server.wait(timeout=30)
    made = Dossier.objects.count() - before
    print(
        json.dumps(
            {
                "database": f"{connection.vendor} {connection.pg_version}",
                "gunicorn_workers": args.workers,
                "clients": args.clients,
                "submissions": len(latencies),
                "failures": len(failures),
                "first_failures": failures[:3],
                "dossiers_created": made,
                "wall_seconds": round(wall, 2),
                "submissions_per_second": round(len(latencies) / wall, 1),
                "latency_p50_ms": round(statistics.median(latencies) * 1000, 1),
                "latency_p95_ms": round(
                    sorted(latencies)[int(0.95 * (len(latencies) - 1))] * 1000, 1
                ),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
