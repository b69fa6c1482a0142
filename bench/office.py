"""The office at scale (issue 4 §4): submissions, public look-ups and officers' queue pages
against ~1 M dossiers on PostgreSQL, each beside a bare endpoint and raw pgbench.

What it does, in order:

1. Starts a **kept** PostgreSQL 15 cluster (``--pgdata``, default ``var/bench/office-pg-N``;
   fsync off like scripts/postgres.sh, shared_buffers 4 GB, pg_stat_statements), so the
   loaded database survives between runs; ``--reuse`` skips loading when it already holds
   the asked volume.
2. Loading: the demo catalog and sign-ins, then ``--base`` dossiers through the real services
   with the demo generator (``motcua.dossiers.demo.generate``, ``--gen-workers`` processes,
   timed), then multiplies them in SQL up to ``--dossiers`` (new codes with new serials per
   agency and day; steps, consultations, events and documents cloned), then VACUUM ANALYZE.
   The generator replays each dossier through the services (about 8–12 a second on the
   project's 2 cores), so a million that way would take more than a day: see BENCHMARKS.md.
3. gunicorn with the production profile (``--workers``, ``--threads``), and wrk (a compiled
   load generator; bench/office.lua says what it sends) for a fixed time per phase:
   (a) ``POST /api/v1/dossiers`` with two ~100 KB PDFs, over several procedures and desks;
   (b) ``GET /api/v1/lookup``; (c) the queue pages of the demo one-stop officer, specialist
   and leader — each beside ``GET /healthz`` at the same concurrency, and beside pgbench
   runs (one dossier-shaped INSERT; a SELECT by code, as the look-up does it).
4. Prints one JSON document (also written to ``var/bench/office-<time>.json``); with
   ``--explain`` the plans of the queue queries and the look-up at this volume.

    make bench   (the default volume; loads once, then reuses)
    .venv/bin/python bench/office.py --dossiers 1000000 --base 10000 --reuse
"""

# SQL here is built from our own column names, tables and numbers, never from input:
# ruff: noqa: S608

from __future__ import annotations

import argparse
import http.client
import io
import itertools
import json
import math
import os
import random
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from contextlib import suppress
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
BENCH_DIR = ROOT / "var" / "bench"
LUA = Path(__file__).with_suffix(".lua")
# Procedures filed online with exactly two required documents, and received at many desks.
SUBMIT_PROCEDURES = ("2.000635", "1.004873", "1.008498", "3.000348", "1.004884")
SUBMIT_DESKS = 8  # desks per procedure the submissions are spread over
CITIZENS = 64  # bench citizens (bearer tokens) who file
DEMO_OFFICERS = ("motcua", "chuyenvien", "lanhdao")
TERMINAL = ("returned", "refused", "withdrawn", "stopped")


# --- the kept PostgreSQL cluster --------------------------------------------------------------


def tool(name: str) -> str:
    """The absolute path of a program on PATH."""
    found = shutil.which(name)
    if found is None:
        raise RuntimeError(f"{name} not found")
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def as_postgres(*cmd: str, **kwargs) -> subprocess.CompletedProcess:
    """initdb and pg_ctl refuse to run as root (scripts/postgres.sh does the same)."""
    prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    return subprocess.run([*prefix, *cmd], check=True, **kwargs)  # noqa: S603


class Cluster:
    """A PostgreSQL 15 cluster in ``root`` that outlives the run (unlike scripts/postgres.sh,
    whose clusters are thrown away), tuned as a dedicated database machine would be."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.data = self.root / "db"
        self.port = 0

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/motcua"

    @property
    def admin_url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        if not (self.data / "PG_VERSION").exists():
            self.root.mkdir(parents=True, exist_ok=True)
            if os.geteuid() == 0:
                shutil.chown(self.root, "postgres", "postgres")
            as_postgres(
                str(PG_BIN / "initdb"),
                "-D",
                str(self.data),
                "-U",
                "postgres",
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
                stdout=subprocess.DEVNULL,
            )
        pid = self.data / "postmaster.pid"
        if pid.exists():  # a run killed before it stopped its server
            with suppress(subprocess.CalledProcessError):
                as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "fast", "stop")
        self.port = free_port()
        options = " ".join(
            f"-c {o}"
            for o in (
                "listen_addresses=127.0.0.1",
                f"port={self.port}",
                f"unix_socket_directories={self.root}",
                # As scripts/postgres.sh: durability off, for every benchmark alike.
                "fsync=off",
                "synchronous_commit=off",
                "full_page_writes=off",
                # A database machine's memory settings, for 24 GiB.
                "shared_buffers=4GB",
                "effective_cache_size=16GB",
                "maintenance_work_mem=1GB",
                "work_mem=32MB",
                "max_wal_size=8GB",
                "max_connections=200",
                "shared_preload_libraries=pg_stat_statements",
                "pg_stat_statements.track=all",
            )
        )
        as_postgres(
            str(PG_BIN / "pg_ctl"),
            "-D",
            str(self.data),
            "-l",
            str(self.root / "server.log"),
            "-w",
            "-o",
            options,
            "start",
            stdout=subprocess.DEVNULL,
        )
        query = "SELECT 1 FROM pg_database WHERE datname = 'motcua'"
        exists = subprocess.run(  # noqa: S603
            [tool("psql"), self.admin_url, "-Atc", query],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        if not exists:
            self.psql_admin("CREATE DATABASE motcua")

    def psql_admin(self, sql: str) -> None:
        subprocess.run([tool("psql"), self.admin_url, "-qc", sql], check=True)  # noqa: S603

    def stop(self) -> None:
        if self.port:
            with suppress(subprocess.CalledProcessError):
                as_postgres(
                    str(PG_BIN / "pg_ctl"),
                    "-D",
                    str(self.data),
                    "-m",
                    "fast",
                    "-w",
                    "stop",
                    stdout=subprocess.DEVNULL,
                )


# --- environment ------------------------------------------------------------------------------


def server_env(args, cluster: Cluster, secret: str) -> dict[str, str]:
    """The production profile as docs/operations.md sets it, on loopback behind no proxy:
    wrk sends X-Forwarded-Proto and X-Real-IP as nginx would."""
    return {
        **os.environ,
        "MOTCUA_PROFILE": args.profile,
        "DEBUG": "false",
        "SECRET_KEY": secret,
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": cluster.url,
        "STATIC_ROOT": str(BENCH_DIR / "static"),
        "MOTCUA_DOCUMENTS_ROOT": str(cluster.root / "files"),
        # The look-up limit per address stays in the code path, out of the way of the load.
        "MOTCUA_LOOKUP_PER_MINUTE": "1000000000",
        "LOG_LEVEL": "WARNING",
    }


# --- loading ----------------------------------------------------------------------------------


def sql(statement: str, params=None, *, fetch: bool = False):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        if fetch:
            return cursor.fetchall()
    return None


def read_meta() -> dict | None:
    rows = sql(
        "SELECT to_regclass('bench_office_meta') IS NOT NULL",
        fetch=True,
    )
    if not rows[0][0]:
        return None
    found = sql("SELECT value FROM bench_office_meta WHERE key = 'load'", fetch=True)
    if not found:
        return None
    value = found[0][0]
    return value if isinstance(value, dict) else json.loads(value)


def write_meta(value: dict) -> None:
    sql("CREATE TABLE IF NOT EXISTS bench_office_meta (key text PRIMARY KEY, value jsonb)")
    sql(
        "INSERT INTO bench_office_meta VALUES ('load', %s::jsonb) "
        "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
        [json.dumps(value)],
    )


def generate_base(count: int, workers: int, log: list[str]) -> dict:
    """``count`` dossiers through the services with the demo generator. A worker that fails
    (a deadlock between the two workers, see BENCHMARKS.md) loses its chunk; the rest is
    generated again with the next seed until the count is reached."""
    from motcua.dossiers import demo
    from motcua.dossiers.models import Dossier

    started = time.perf_counter()
    attempts = []
    seed = 1
    while True:
        made = Dossier.objects.exclude(code=None).count()
        if made >= count or seed > 8:
            break
        t0 = time.perf_counter()
        try:
            report = demo.generate(count - made, seed=seed, workers=workers)
            outcome = f"{report.count} made, {report.failed} failed"
        except Exception as exc:  # a worker's database error ends its pool
            outcome = f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
        done = Dossier.objects.exclude(code=None).count() - made
        attempts.append(
            {
                "seed": seed,
                "asked": count - made,
                "made": done,
                "seconds": round(time.perf_counter() - t0, 1),
                "outcome": outcome,
            }
        )
        log.append(f"generate seed {seed}: {attempts[-1]}")
        print(f"  base: {attempts[-1]}", file=sys.stderr, flush=True)
        seed += 1
    seconds = time.perf_counter() - started
    made = Dossier.objects.exclude(code=None).count()
    return {
        "dossiers": made,
        "workers": workers,
        "seconds": round(seconds, 1),
        "per_second": round(made / seconds, 2) if seconds else None,
        "attempts": attempts,
    }


def _columns(model) -> list[str]:
    return [f.column for f in model._meta.concrete_fields]


def _clone_select(model, overrides: dict[str, str], alias: str) -> tuple[str, str]:
    """(column list, select list) copying ``model`` rows from ``alias`` with overrides; the
    primary key is left to the table's identity unless overridden."""
    from django.db.models import DateTimeField

    columns, values = [], []
    for field in model._meta.concrete_fields:
        column = field.column
        if column in overrides:
            expression = overrides[column]
        elif field.primary_key:
            continue
        elif isinstance(field, DateTimeField):
            expression = f'{alias}."{column}" - c.shift'
        else:
            expression = f'{alias}."{column}"'
        columns.append(f'"{column}"')
        values.append(expression)
    return ", ".join(columns), ", ".join(values)


def multiply(target: int, log: list[str]) -> dict:
    """Clone the generated dossiers in SQL up to ``target``.

    The generator's dossiers span its last 60 days (``demo.DAYS``) with its mix of states.
    A year of a busy office has that mix only in its recent weeks; older dossiers are done.
    So: every dossier is copied as it stands (same dates, new code) until the last 60 days
    hold their share of a year (60/365 of ``target``); the rest are copies of the finished
    ones (returned, refused, withdrawn, stopped) moved back by whole weeks (4 to 48, so the
    weekday and office hours stay), spreading them over the year before. Every copy gets a
    new code with a new serial of its desk and day, after the serials already given, and the
    daily counters are raised to match. Steps, consultations, events and documents are
    cloned with the dossier (the documents point at the same stored files; the events keep
    their hashes, so the copies' event chains do not verify — nothing measured reads them).
    """
    from django.conf import settings
    from django.db import connection

    from motcua.dossiers import demo
    from motcua.dossiers.models import Dossier, DossierDocument, DossierEvent
    from motcua.workflow.models import Consultation, DossierStep

    province = settings.MOTCUA["PROVINCE_CODE"]
    timings: dict[str, float] = {}

    def step(name: str, statement: str, params=None) -> None:
        t0 = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(statement, params)
            rows = cursor.rowcount
        timings[name] = round(time.perf_counter() - t0, 1)
        log.append(f"{name}: {rows} rows in {timings[name]} s")
        print(f"  multiply {name}: {rows} rows, {timings[name]} s", file=sys.stderr, flush=True)

    base = Dossier.objects.exclude(code=None).count()
    finished = Dossier.objects.exclude(code=None).filter(state__in=TERMINAL).count()
    recent = max(1, min(target // base, round(target * demo.DAYS / 365 / base)))
    old = max(0, target - base * recent)
    per_finished = math.ceil(old / finished) if old and finished else 0
    sql("DROP TABLE IF EXISTS bench_copy")
    step(
        "plan",
        f"""
        CREATE UNLOGGED TABLE bench_copy AS
        WITH wanted AS (
            SELECT d.id AS old_id, interval '0' AS shift
            FROM dossiers_dossier d CROSS JOIN generate_series(2, %(recent)s) k
            WHERE d.code IS NOT NULL
            UNION ALL
            (SELECT d.id, make_interval(weeks => 4 + ((k * 7 + d.id) %% 45)::int)
             FROM dossiers_dossier d CROSS JOIN generate_series(1, %(per_finished)s) k
             WHERE d.code IS NOT NULL AND d.state IN {TERMINAL!r}
             ORDER BY k, d.id
             LIMIT %(old)s)
        ), placed AS (
            SELECT w.old_id, w.shift, d.receiving_agency_id AS agency,
                   d.submitted_at - w.shift AS submitted_at,
                   ((d.submitted_at - w.shift) AT TIME ZONE 'Asia/Ho_Chi_Minh')::date AS day,
                   nextval(pg_get_serial_sequence('dossiers_dossier', 'id')) AS new_id
            FROM wanted w JOIN dossiers_dossier d ON d.id = w.old_id
        ), numbered AS (
            SELECT p.*, coalesce(s.last, 0) + row_number() OVER (
                       PARTITION BY p.agency, p.day ORDER BY p.submitted_at, p.new_id) AS serial
            FROM placed p
            LEFT JOIN dossiers_dailyserial s
              ON s.province_code = %(province)s AND s.agency_id = p.agency AND s.day = p.day
        )
        SELECT n.*, a.code || '-' || to_char(n.day, 'YYMMDD') || '-' ||
               CASE WHEN n.serial < 10000 THEN lpad(n.serial::text, 4, '0')
                    ELSE n.serial::text END AS new_code
        FROM numbered n JOIN catalog_agency a ON a.id = n.agency
        """,
        {
            "recent": recent,
            "per_finished": per_finished,
            "old": old,
            "province": province,
        },
    )
    sql("CREATE INDEX ON bench_copy (old_id)")
    sql("ANALYZE bench_copy")
    columns, values = _clone_select(
        Dossier,
        {
            "id": "c.new_id",
            "code": "c.new_code",
            "search_text": "replace(d.search_text, lower(d.code), lower(c.new_code))",
        },
        "d",
    )
    step(
        "dossiers",
        f"INSERT INTO dossiers_dossier ({columns}) SELECT {values} "
        "FROM bench_copy c JOIN dossiers_dossier d ON d.id = c.old_id",
    )
    step(
        "daily serials",
        """
        INSERT INTO dossiers_dailyserial (province_code, agency_id, day, last)
        SELECT %s, agency, day, max(serial) FROM bench_copy GROUP BY agency, day
        ON CONFLICT (province_code, agency_id, day)
        DO UPDATE SET last = GREATEST(dossiers_dailyserial.last, EXCLUDED.last)
        """,
        [province],
    )
    columns, values = _clone_select(DossierStep, {"dossier_id": "c.new_id"}, "s")
    step(
        "steps",
        f"INSERT INTO workflow_dossierstep ({columns}) SELECT {values} "
        "FROM bench_copy c JOIN workflow_dossierstep s ON s.dossier_id = c.old_id",
    )
    columns, values = _clone_select(
        Consultation, {"dossier_id": "c.new_id", "step_id": "ns.id"}, "o"
    )
    step(
        "consultations",
        f"INSERT INTO workflow_consultation ({columns}) SELECT {values} "
        "FROM bench_copy c JOIN workflow_consultation o ON o.dossier_id = c.old_id "
        "LEFT JOIN workflow_dossierstep os ON os.id = o.step_id "
        "LEFT JOIN workflow_dossierstep ns ON ns.province_code = os.province_code "
        'AND ns.dossier_id = c.new_id AND ns."order" = os."order"',
    )
    columns, values = _clone_select(DossierEvent, {"dossier_id": "c.new_id"}, "e")
    step(
        "events",
        f"INSERT INTO dossiers_dossierevent ({columns}) SELECT {values} "
        "FROM bench_copy c JOIN dossiers_dossierevent e ON e.dossier_id = c.old_id",
    )
    columns, values = _clone_select(DossierDocument, {"dossier_id": "c.new_id"}, "x")
    step(
        "documents",
        f"INSERT INTO dossiers_dossierdocument ({columns}) SELECT {values} "
        "FROM bench_copy c JOIN dossiers_dossierdocument x ON x.dossier_id = c.old_id",
    )
    sql("DROP TABLE bench_copy")
    return {
        "base": base,
        "base_finished": finished,
        "copies_each_recent": recent - 1,
        "copies_of_finished": old,
        "timings_s": timings,
        "seconds": round(sum(timings.values()), 1),
    }


def vacuum(log: list[str]) -> float:
    from django.db import connection

    t0 = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
    seconds = round(time.perf_counter() - t0, 1)
    log.append(f"vacuum analyze: {seconds} s")
    return seconds


def load(args, cluster: Cluster) -> dict:
    """Build the database from nothing: migrate, demo catalog and sign-ins, base, copies."""
    from django.core.management import call_command
    from django.db import connections

    connections.close_all()
    cluster.psql_admin("DROP DATABASE IF EXISTS motcua")
    cluster.psql_admin("CREATE DATABASE motcua")
    shutil.rmtree(cluster.root / "files", ignore_errors=True)
    log: list[str] = []
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    call_command("seed_demo", dossiers=0, stdout=io.StringIO())  # catalog and sign-ins
    setup_seconds = round(time.perf_counter() - started, 1)
    print(f"  schema and demo catalog: {setup_seconds} s", file=sys.stderr, flush=True)
    base = generate_base(min(args.base, args.dossiers), args.gen_workers, log)
    copies = multiply(args.dossiers, log) if args.dossiers > base["dossiers"] else None
    vacuum_seconds = vacuum(log)
    sql("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
    meta = {
        "dossiers": args.dossiers,
        "base": args.base,
        "loaded_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "setup_seconds": setup_seconds,
        "generator": base,
        "multiply": copies,
        "vacuum_seconds": vacuum_seconds,
        "total_seconds": round(time.perf_counter() - started, 1),
        "log": log,
    }
    write_meta(meta)
    return meta


def volume() -> dict:
    rows = sql(
        """
        SELECT (SELECT count(*) FROM dossiers_dossier),
               (SELECT count(*) FROM workflow_dossierstep),
               (SELECT count(*) FROM workflow_consultation),
               (SELECT count(*) FROM dossiers_dossierevent),
               (SELECT count(*) FROM dossiers_dossierdocument),
               pg_size_pretty(pg_database_size(current_database())),
               (SELECT min(submitted_at)::date FROM dossiers_dossier),
               (SELECT max(submitted_at)::date FROM dossiers_dossier)
        """,
        fetch=True,
    )[0]
    states = dict(
        sql("SELECT state, count(*) FROM dossiers_dossier GROUP BY state ORDER BY 1", fetch=True)
    )
    keys = ("dossiers", "steps", "consultations", "events", "documents", "database_size")
    return {
        **dict(zip(keys, rows[:6], strict=True)),
        "submitted_between": [str(rows[6]), str(rows[7])],
        "states": states,
    }


# --- what the clients send --------------------------------------------------------------------


def attachment_pdf(title: str, seed: int, side: int = 184) -> bytes:
    """A one-page A4 PDF of about 100 KB: a line of text and a ``side``² RGB image of noise
    (as a scan is: little to compress). No JavaScript, no encryption: the documents app takes
    it as it takes a scan."""
    pixels = random.Random(seed).randbytes(side * side * 3)
    text = f"BT /F1 14 Tf 56 780 Td ({title}) Tj ET q 400 0 0 400 97 300 cm /Im1 Do Q".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R"
        b" >> /XObject << /Im1 6 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n" % len(text) + text + b"\nendstream",
        b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceRGB "
        b"/BitsPerComponent 8 /Length %d >>\nstream\n"
        % (side, side, len(pixels))
        + pixels
        + b"\nendstream",
    ]
    from motcua.dossiers.demo import assemble_pdf

    return assemble_pdf(objects)


def multipart(data: dict, files: dict[str, bytes]) -> tuple[bytes, str]:
    boundary = secrets.token_hex(16)
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="data"\r\n\r\n'.encode()
        + json.dumps(data, ensure_ascii=False).encode()
        + b"\r\n"
    ]
    for name, content in files.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{name}.pdf"\r\nContent-Type: application/pdf\r\n\r\n'.encode()
            + content
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def submission_bodies(folder: Path) -> dict:
    """One body per (procedure, desk): the JSON part and a PDF for each of the procedure's
    two required documents."""
    from motcua.catalog.models import Procedure

    pdfs = [attachment_pdf(f"Ban chup giay to {i}", seed=i) for i in range(2)]
    lines, desks, procedures = [], set(), []
    for code in SUBMIT_PROCEDURES:
        procedure = Procedure.objects.select_related("current_version").get(code=code)
        version = procedure.current_version
        keys = [d.key for d in version.documents.filter(required=True).order_by("order")]
        assert len(keys) == 2, (code, keys)
        receivers = sorted(
            link.agency.code
            for link in version.agency_links.select_related("agency")
            if link.agency.receives_dossiers and link.agency.is_active
        )
        first = len(procedures) * SUBMIT_DESKS % len(receivers)
        receivers = (receivers[first:] + receivers[:first])[:SUBMIT_DESKS]
        procedures.append(code)
        for desk in receivers:
            body, content_type = multipart(
                {"procedure_code": code, "delivery": "online", "agency": desk},
                {f"document_{key}": pdf for key, pdf in zip(keys, pdfs, strict=True)},
            )
            path = folder / f"body-{code}-{desk}.bin"
            path.write_bytes(body)
            lines.append(f"{path} {content_type}")
            desks.add(desk)
    (folder / "bodies.txt").write_text("\n".join(lines) + "\n")
    return {
        "bodies": len(lines),
        "procedures": procedures,
        "desks": len(desks),
        "pdf_bytes": [len(p) for p in pdfs],
        "body_bytes": len(body),
    }


def citizen_tokens(folder: Path) -> None:
    from motcua.accounts import services as accounts
    from motcua.accounts.models import User

    tokens = []
    for i in range(CITIZENS):
        user, _ = User.objects.get_or_create(
            username=f"bench.office.{i}",
            defaults={"full_name": f"Người thử {i}", "address_line": f"{i} Lê Lợi"},
        )
        tokens.append(accounts.issue_token(user, label="bench/office.py")[1])
    (folder / "tokens.txt").write_text("\n".join(tokens) + "\n")


def lookup_pairs(folder: Path, count: int) -> int:
    """(code, owner's phone) of dossiers drawn at random over the whole volume."""
    total = sql("SELECT count(*) FROM dossiers_dossier", fetch=True)[0][0]
    share = min(100.0, 300.0 * count / max(total, 1))
    rows = sql(
        f"""
        SELECT code, CASE WHEN owner_phone <> '' THEN owner_phone ELSE submitter_phone END
        FROM dossiers_dossier TABLESAMPLE BERNOULLI ({share:.3f})
        WHERE code IS NOT NULL AND state <> 'draft'
          AND (owner_phone <> '' OR submitter_phone <> '')
        ORDER BY random() LIMIT %s
        """,
        [count],
        fetch=True,
    )
    (folder / "pairs.txt").write_text("".join(f"{code} {phone}\n" for code, phone in rows))
    return len(rows)


def officer_sessions() -> dict[str, str]:
    """A signed-in session per demo officer (as after the sign-in form)."""
    from django.test import Client

    from motcua.accounts.models import User

    cookies = {}
    for username in DEMO_OFFICERS:
        client = Client()
        client.force_login(User.objects.get(username=username))
        cookies[username] = f"sessionid={client.cookies['sessionid'].value}"
    return cookies


# --- the server and the load ------------------------------------------------------------------


class Server:
    def __init__(self, args, env: dict[str, str]) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(  # noqa: S603 - our own gunicorn, fixed arguments
            [
                str(ROOT / ".venv/bin/gunicorn"),
                "--chdir",
                str(ROOT / "src"),
                "motcua.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(args.workers),
                "--threads",
                str(args.threads),
                "--backlog",
                "2048",
                "--error-logfile",
                "-",
                "--log-level",
                "warning",
            ],
            env=env,
        )
        for _ in range(150):
            try:
                urllib.request.urlopen(f"{self.base}/readyz", timeout=1)  # noqa: S310 - loopback
                break
            except OSError:
                time.sleep(0.2)
        else:
            self.stop()
            raise RuntimeError("gunicorn did not become ready")
        self.warm()

    def warm(self) -> None:
        for _ in range(50):
            urllib.request.urlopen(f"{self.base}/healthz", timeout=5)  # noqa: S310 - loopback

    def worker_pids(self) -> list[int]:
        out = subprocess.run(  # noqa: S603
            [tool("pgrep"), "-P", str(self.process.pid)], capture_output=True, text=True
        ).stdout
        return [int(p) for p in out.split()]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def percentile(values: list[float], p: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def wrk(
    url: str,
    *,
    mode: str,
    connections: int,
    seconds: float,
    folder: Path,
    cookie: str = "",
    threads: int = 1,
) -> dict:
    """One wrk run; client latency from wrk's histogram, server time from Server-Timing."""
    out = folder / f"wrk-{mode}-{secrets.token_hex(4)}.out"
    env = {
        **os.environ,
        "WRK_MODE": mode,
        "WRK_OUT": str(out),
        "WRK_BODIES": str(folder / "bodies.txt"),
        "WRK_TOKENS": str(folder / "tokens.txt"),
        "WRK_PAIRS": str(folder / "pairs.txt"),
        "WRK_COOKIE": cookie,
        "WRK_NONCE": secrets.token_hex(6),
    }
    run = subprocess.run(  # noqa: S603
        [
            tool("wrk"),
            "-t",
            str(min(threads, connections)),
            "-c",
            str(connections),
            "-d",
            f"{max(1, round(seconds))}s",
            "--timeout",
            "30s",
            "-s",
            str(LUA),
            url,
        ],
        env=env,
        capture_output=True,
        text=True,
    )
    if run.returncode or not out.exists():
        raise RuntimeError(f"wrk failed: {run.stdout} {run.stderr}")
    lines = out.read_text().splitlines()
    out.unlink()
    summary = json.loads(lines[0])
    server = [float(v) for v in lines[1:]]
    wall = summary["duration_us"] / 1e6
    errors = (
        summary["connect_errors"]
        + summary["read_errors"]
        + summary["write_errors"]
        + summary["timeouts"]
        + summary["non_2xx_3xx"]
    )
    ms = 1000.0
    return {
        "connections": connections,
        "seconds": round(wall, 1),
        "requests": summary["requests"],
        "per_second": round(summary["requests"] / wall, 1),
        "errors": errors,
        "statuses": summary["statuses"],
        "client_p50_ms": round(summary["p50_us"] / ms, 2),
        "client_p95_ms": round(summary["p95_us"] / ms, 2),
        "client_p99_ms": round(summary["p99_us"] / ms, 2),
        "client_max_ms": round(summary["max_us"] / ms, 2),
        "server_p50_ms": percentile(server, 50),
        "server_p95_ms": percentile(server, 95),
        "server_mean_ms": round(statistics.fmean(server), 2) if server else None,
    }


def one_by_one(
    url: str, *, cookie: str = "", seconds: float, least: int = 5, warm: int = 1
) -> dict:
    """Requests one after the other (concurrency 1) for ``seconds`` and at least ``least``
    times, after ``warm`` unmeasured requests (enough to reach every worker): pages that
    take seconds still get a p95 (wrk only counts requests that finish inside its fixed
    duration). A new connection per request,
    as wrk has with gunicorn's sync workers."""
    parts = urllib.parse.urlsplit(url)
    headers = {"X-Forwarded-Proto": "https", "X-Real-IP": "10.0.0.1"}
    if cookie:
        headers["Cookie"] = cookie
    client, server, statuses = [], [], {}
    started = time.perf_counter()
    for n in itertools.count():
        t0 = time.perf_counter()
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
        connection.request("GET", parts.path, headers=headers)
        response = connection.getresponse()
        response.read()
        connection.close()
        elapsed = time.perf_counter() - t0
        if n < warm:
            continue
        statuses[str(response.status)] = statuses.get(str(response.status), 0) + 1
        client.append(elapsed * 1000)
        timing = response.getheader("Server-Timing", "")
        if "dur=" in timing:
            server.append(float(timing.split("dur=")[1]))
        if len(client) >= least and time.perf_counter() - started >= seconds:
            break
    wall = time.perf_counter() - started
    errors = sum(v for k, v in statuses.items() if not k.startswith(("2", "3")))
    return {
        "connections": 1,
        "seconds": round(wall, 1),
        "requests": len(client),
        "per_second": round(len(client) / wall, 1),
        "errors": errors,
        "statuses": statuses,
        "client_p50_ms": round(percentile(client, 50), 2),
        "client_p95_ms": round(percentile(client, 95), 2),
        "client_max_ms": round(max(client), 2),
        "server_p50_ms": percentile(server, 50),
        "server_p95_ms": percentile(server, 95),
        "server_mean_ms": round(statistics.fmean(server), 2) if server else None,
    }


def _tree(root: int) -> list[int]:
    """``root`` and its descendants (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with suppress(OSError):
            stat = (entry / "stat").read_text()
            ppid = int(stat.rpartition(")")[2].split()[1])
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def _cpu(pids: list[int]) -> dict[int, float]:
    """user + system CPU seconds of each process."""
    tick = os.sysconf("SC_CLK_TCK")
    out = {}
    for pid in pids:
        with suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
            out[pid] = (int(fields[11]) + int(fields[12])) / tick
    return out


class CpuMeter:
    """Where the machine's CPU went during a phase: gunicorn (master and workers), the
    PostgreSQL server (postmaster and backends) and the rest (wrk, the kernel's own work
    on the loopback is counted in the processes that cause it)."""

    def __init__(self, server: Server, cluster: Cluster) -> None:
        postmaster = int((cluster.data / "postmaster.pid").read_text().split()[0])
        self.roots = {"gunicorn": server.process.pid, "postgres": postmaster}
        self.before = {name: _cpu(_tree(pid)) for name, pid in self.roots.items()}
        self.idle_before = self._idle()
        self.t0 = time.perf_counter()

    @staticmethod
    def _idle() -> float:
        fields = Path("/proc/stat").read_text().split("\n")[0].split()[1:]
        return (int(fields[3]) + int(fields[4])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> dict:
        wall = time.perf_counter() - self.t0
        capacity = wall * (os.cpu_count() or 1)
        shares = {}
        for name, pid in self.roots.items():
            after = _cpu(_tree(pid))
            used = sum(t - self.before[name].get(p, 0.0) for p, t in after.items())
            shares[name] = round(100 * used / capacity, 1)
        idle = round(100 * (self._idle() - self.idle_before) / capacity, 1)
        shares["idle"] = idle
        shares["other"] = round(100 - idle - shares["gunicorn"] - shares["postgres"], 1)
        return shares


class Sampler:
    """py-spy sampling the gunicorn workers while a phase runs (``--py-spy``): where the
    server's Python time goes. Only for profiling runs; it costs the server a little."""

    def __init__(self, server: Server, seconds: int, name: str) -> None:
        self.path = BENCH_DIR / f"py-spy-{name}.txt"
        self.process = subprocess.Popen(  # noqa: S603
            [
                tool("py-spy"),
                "record",
                "--pid",
                str(server.process.pid),
                "--subprocesses",
                "--rate",
                "200",
                "--duration",
                str(seconds),
                "--format",
                "raw",
                "--nonblocking",
                "--output",
                str(self.path),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def summary(self, top: int = 25) -> dict:
        """Share of the samples in each function (inclusive) and at the leaf (self)."""
        self.process.wait(timeout=120)
        inclusive: dict[str, int] = {}
        leaf: dict[str, int] = {}
        total = 0
        for line in self.path.read_text().splitlines():
            stack, _, count = line.rpartition(" ")
            frames = [f for f in stack.split(";") if not f.startswith("process ")]
            n = int(count)
            total += n
            for frame in set(frames):
                inclusive[frame] = inclusive.get(frame, 0) + n
            if frames:
                leaf[frames[-1]] = leaf.get(frames[-1], 0) + n

        def shares(counts: dict[str, int]) -> list[str]:
            ranked = sorted(counts.items(), key=lambda kv: -kv[1])[:top]
            return [f"{100 * n / total:5.1f}%  {frame}" for frame, n in ranked]

        return {"samples": total, "inclusive": shares(inclusive), "self": shares(leaf)}


def pgbench(cluster: Cluster, script: str, *, clients: int, seconds: int, folder: Path) -> dict:
    """pgbench with a custom script; p50/p95 from its per-transaction log."""
    path = folder / f"pgbench-{secrets.token_hex(4)}.sql"
    path.write_text(script)
    logs = folder / f"pgbench-log-{secrets.token_hex(4)}"
    logs.mkdir()
    result = subprocess.run(  # noqa: S603
        [
            str(PG_BIN / "pgbench"),
            "-n",
            "-f",
            str(path),
            "-c",
            str(clients),
            "-j",
            str(min(clients, 2)),
            "-T",
            str(seconds),
            "-l",
            "--log-prefix",
            str(logs / "tx"),
            cluster.url,
        ],
        capture_output=True,
        text=True,
    )
    if result.returncode:
        raise RuntimeError(f"pgbench failed: {result.stdout} {result.stderr}")
    latencies = []
    for log in logs.iterdir():
        for line in log.read_text().splitlines():
            latencies.append(int(line.split()[2]) / 1000)
    shutil.rmtree(logs)
    path.unlink()
    tps = next(
        float(line.split("=")[1].split()[0])
        for line in result.stdout.splitlines()
        if line.startswith("tps")
    )
    failed = next(
        (
            int(line.split(":")[1].split()[0])
            for line in result.stdout.splitlines()
            if line.startswith("number of failed transactions")
        ),
        0,
    )
    return {
        "clients": clients,
        "seconds": seconds,
        "transactions": len(latencies),
        "per_second": round(tps, 1),
        "failed": failed,
        "p50_ms": round(percentile(latencies, 50), 3),
        "p95_ms": round(percentile(latencies, 95), 3),
    }


def pgbench_insert_script() -> str:
    """One INSERT of a dossier row copied from a real online one (its literal values), with a
    new code; into the same table, with its indexes and foreign keys."""
    from motcua.dossiers.models import Dossier

    columns = [c for c in _columns(Dossier) if c not in ("id", "code")]
    sample = Dossier.objects.filter(channel="online").exclude(code=None).order_by("-id").first()
    literals = sql(
        "SELECT "
        + ", ".join(f'quote_nullable("{c}"::text)' for c in columns)
        + " FROM dossiers_dossier WHERE id = %s",
        [sample.pk],
        fetch=True,
    )[0]
    values = ", ".join(
        "now()" if c.endswith("_at") and v != "NULL" else v
        for c, v in zip(columns, literals, strict=True)
    )
    names = ", ".join(f'"{c}"' for c in columns)
    return (
        "\\set n random(1, 2000000000)\n"
        f'INSERT INTO dossiers_dossier ("code", {names}) '
        f"VALUES ('PGBENCH-' || :client_id || '-' || :n, {values}) ON CONFLICT DO NOTHING;\n"
    )


def pgbench_select_script(folder: Path) -> str:
    """The look-up's query (same joins and WHERE as services.lookup), by codes drawn from the
    same list as the HTTP look-ups (taken by primary key from a side table in the query)."""
    sql("DROP TABLE IF EXISTS bench_codes")
    sql("CREATE UNLOGGED TABLE bench_codes (i serial PRIMARY KEY, code varchar(40))")
    codes = [line.split()[0] for line in (folder / "pairs.txt").read_text().splitlines()]
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.executemany("INSERT INTO bench_codes (code) VALUES (%s)", [[c] for c in codes])
    sql("ANALYZE bench_codes")
    from django.conf import settings

    province = int(settings.MOTCUA["PROVINCE_CODE"])
    return (
        f"\\set i random(1, {len(codes)})\n"
        "SELECT d.*, p.*, c.*, r.* FROM dossiers_dossier d "
        "JOIN catalog_procedure p ON p.id = d.procedure_id "
        "JOIN catalog_agency c ON c.id = d.current_agency_id "
        "JOIN catalog_agency r ON r.id = d.receiving_agency_id "
        f"WHERE d.province_code = {province} AND NOT (d.state = 'draft') "
        "AND d.code = (SELECT code FROM bench_codes WHERE i = :i) "
        "ORDER BY d.created_at DESC LIMIT 1;\n"
    )


def statements(top: int = 8) -> dict:
    """pg_stat_statements since the last reset: database time by statement."""
    rows = sql(
        """
        SELECT calls, round(total_exec_time::numeric, 1), round(mean_exec_time::numeric, 3),
               left(regexp_replace(query, '\\s+', ' ', 'g'), 160)
        FROM pg_stat_statements
        WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
        ORDER BY total_exec_time DESC
        """,
        fetch=True,
    )
    total = sum(float(r[1]) for r in rows)
    return {
        "total_exec_ms": round(total, 1),
        "statements": sum(r[0] for r in rows),
        "top": [
            {"calls": r[0], "total_ms": float(r[1]), "mean_ms": float(r[2]), "query": r[3]}
            for r in rows[:top]
        ],
    }


def reset_statements() -> None:
    sql("SELECT pg_stat_statements_reset()")


# --- the queues -------------------------------------------------------------------------------


def officer_queues(username: str) -> list[tuple[str, int]]:
    from motcua.accounts.models import User
    from motcua.dossiers import queues

    scope = queues.Scope.of(User.objects.get(username=username))
    # The exact sizes (the pages count only up to queues.COUNT_CAP).
    return [(q.slug, queues.dossiers_in(q, scope).count()) for q in queues.queues_for(scope)]


def explain_queue(username: str, slug: str) -> list[str]:
    """EXPLAIN ANALYZE of the page's heavy queries: the page rows, the paginator's count and
    the menu's counts."""
    from django.db import connection

    from motcua.accounts.models import User
    from motcua.dossiers import queues

    scope = queues.Scope.of(User.objects.get(username=username))
    queue = queues.BY_SLUG[slug]
    rows = queues.apply(queues.dossiers_in(queue, scope), queues.Filters()).select_related(
        "procedure", "current_agency", "receiving_agency"
    )
    plans = []
    for label, query in (
        ("page rows", rows[:25].query),
        ("paginator count", rows.order_by().values("pk").query),
    ):
        text, params = query.sql_with_params()
        if label == "paginator count":
            text = f"SELECT COUNT(*) FROM ({text}) sub"
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {text}", params)
            plans.append(f"-- {username} {slug}: {label}")
            plans.extend(r[0] for r in cursor.fetchall())
    return plans


def explain_menu(username: str) -> list[str]:
    """The menu's counts (one aggregate over the officer's queues) and the filter form's
    list of fields, which every queue page runs."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from motcua.accounts.models import User
    from motcua.catalog.models import Field
    from motcua.dossiers import queues

    scope = queues.Scope.of(User.objects.get(username=username))
    with CaptureQueriesContext(connection) as captured:
        queues.counts(scope)
        list(Field.objects.filter(procedures__dossiers__isnull=False).distinct().order_by("name"))
    plans = []
    for query in captured.captured_queries:
        if not query["sql"].startswith("SELECT"):
            continue
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {query['sql']}")
            plans.append(f"-- {username}: {query['sql'][:100]}")
            plans.extend(r[0] for r in cursor.fetchall())
    return plans


def explain_lookup(code: str) -> list[str]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from motcua.dossiers import services

    with CaptureQueriesContext(connection) as captured:
        with suppress(Exception):
            services.lookup(code, phone="0900000000")
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {captured.captured_queries[-1]['sql']}")
        return ["-- look-up by code", *(r[0] for r in cursor.fetchall())]


# --- cleaning up after the run ----------------------------------------------------------------


def remove_run_rows() -> int:
    """The dossiers bench runs filed (the bench citizens' and pgbench's rows) go, with their
    files: the kept database stays at its volume, run after run, even after a killed run."""
    from motcua.documents.services import root

    files = sql(
        "SELECT storage_name FROM documents_storedfile f "
        "JOIN accounts_user u ON u.id = f.uploaded_by_id WHERE u.username LIKE 'bench.office.%%'",
        fetch=True,
    )
    sql("DROP TABLE IF EXISTS bench_run_rows")
    sql(
        "CREATE UNLOGGED TABLE bench_run_rows AS SELECT d.id FROM dossiers_dossier d "
        "LEFT JOIN accounts_user u ON u.id = d.account_id "
        "WHERE u.username LIKE 'bench.office.%%' OR d.code LIKE 'PGBENCH-%%'"
    )
    for table in (
        "dossiers_dossierevent",
        "dossiers_dossierdocument",
        "dossiers_idempotencykey",
        "workflow_consultation",
        "workflow_dossierstep",
    ):
        sql(f"DELETE FROM {table} WHERE dossier_id IN (SELECT id FROM bench_run_rows)")
    sql(
        "DELETE FROM dossiers_idempotencykey k USING accounts_user u "
        "WHERE u.id = k.user_id AND u.username LIKE 'bench.office.%%'"
    )
    sql("DELETE FROM dossiers_dossier WHERE id IN (SELECT id FROM bench_run_rows)")
    sql("DROP TABLE bench_run_rows")
    sql(
        "DELETE FROM documents_storedfile f USING accounts_user u "
        "WHERE u.id = f.uploaded_by_id AND u.username LIKE 'bench.office.%%'"
    )
    for (name,) in files:
        (root() / name).unlink(missing_ok=True)
    return len(files)


# --- the phases -------------------------------------------------------------------------------


def beside_bare(
    args, server: Server, cluster: Cluster, folder: Path, path: str, mode: str, *, connections: int
) -> tuple[dict, dict]:
    """``/healthz`` then ``path`` under wrk at the same concurrency, each with the CPU it
    took; the endpoint also with the database's statements (and py-spy's samples)."""
    meter = CpuMeter(server, cluster)
    bare = wrk(
        f"{server.base}/healthz",
        mode="get",
        connections=connections,
        seconds=args.seconds,
        folder=folder,
    )
    bare["cpu_percent"] = meter.stop()
    reset_statements()
    sampler = Sampler(server, args.seconds, mode) if args.py_spy else None
    meter = CpuMeter(server, cluster)
    measured = wrk(
        f"{server.base}{path}",
        mode=mode,
        connections=connections,
        seconds=args.seconds,
        folder=folder,
    )
    measured["cpu_percent"] = meter.stop()
    measured["database"] = statements()
    if sampler:
        measured["py_spy"] = sampler.summary()
    return bare, measured


def phase_a(args, server: Server, cluster: Cluster, folder: Path) -> dict:
    """(a) online submissions, beside /healthz and pgbench's INSERT at the same concurrency."""
    c = args.submit_connections
    bare, submit = beside_bare(
        args, server, cluster, folder, "/api/v1/dossiers", "submit", connections=c
    )
    insert = pgbench(
        cluster, pgbench_insert_script(), clients=c, seconds=args.pgbench_seconds, folder=folder
    )
    result = {"healthz": bare, "submit": submit, "pgbench_insert": insert}
    print(json.dumps(result), file=sys.stderr, flush=True)
    return result


def phase_b(args, server: Server, cluster: Cluster, folder: Path) -> dict:
    """(b) public look-ups, beside /healthz and pgbench's SELECT at the same concurrency."""
    c = args.lookup_connections
    bare, look = beside_bare(
        args, server, cluster, folder, "/api/v1/lookup", "lookup", connections=c
    )
    result = {"healthz": bare, "lookup": look}
    result["pgbench_select"] = pgbench(
        cluster,
        pgbench_select_script(folder),
        clients=c,
        seconds=args.pgbench_seconds,
        folder=folder,
    )
    print(json.dumps(result), file=sys.stderr, flush=True)
    return result


def phase_c(args, server: Server, cluster: Cluster, sessions: dict[str, str]) -> dict:
    """(c) every queue page of the demo officers, one request after the other (pages that
    take seconds; wrk only counts requests that end inside its fixed duration)."""
    pages = {
        "healthz": one_by_one(
            f"{server.base}/healthz", seconds=args.queue_seconds, warm=2 * args.workers
        )
    }
    reset_statements()
    meter = CpuMeter(server, cluster)
    for username in DEMO_OFFICERS:
        for slug, size in officer_queues(username):
            page = one_by_one(
                f"{server.base}/mot-cua/hang-doi/{slug}/",
                cookie=sessions[username],
                seconds=args.queue_seconds,
                warm=2 * args.workers,
            )
            page["dossiers_in_queue"] = size
            pages[f"{username} {slug}"] = page
            print(
                f"  {username} {slug} ({size}): server p50 {page['server_p50_ms']} "
                f"p95 {page['server_p95_ms']} ms, client p95 {page['client_p95_ms']} ms",
                file=sys.stderr,
                flush=True,
            )
    pages["database"] = statements(top=12)
    pages["database"]["cpu_percent"] = meter.stop()
    return pages


def table(results: dict) -> str:
    """The figures as the rows of BENCHMARKS.md's tables."""

    def ms(value) -> str:
        return "—" if value is None else f"{value:,.1f} ms"

    def http(name: str, r: dict) -> str:
        return (
            f"| {name} | {r['connections']} | {r['requests']:,} | **{r['per_second']:,.1f}/s** | "
            f"{r['errors']} | {ms(r['client_p50_ms'])} | {ms(r['client_p95_ms'])} | "
            f"{ms(r['server_p50_ms'])} | {ms(r['server_p95_ms'])} |"
        )

    def raw(name: str, r: dict) -> str:
        return (
            f"| {name} | {r['clients']} | {r['transactions']:,} | **{r['per_second']:,.1f}/s** | "
            f"{r['failed']} | {ms(r['p50_ms'])} | {ms(r['p95_ms'])} | — | — |"
        )

    measure = results.get("measure", {})
    lines = [
        "| what | concurrency | requests | throughput | errors | client p50 | client p95 "
        "| server p50 | server p95 |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    if a := measure.get("a_submissions"):
        lines += [
            http("`POST /api/v1/dossiers` (2 × 100 KB PDF)", a["submit"]),
            http("`GET /healthz`", a["healthz"]),
            raw("pgbench: one dossier-row INSERT", a["pgbench_insert"]),
        ]
    if b := measure.get("b_lookups"):
        lines += [
            http("`GET /api/v1/lookup`", b["lookup"]),
            http("`GET /healthz`", b["healthz"]),
            raw("pgbench: the look-up's SELECT", b["pgbench_select"]),
        ]
    if c := measure.get("c_queues"):
        lines.append("| *(c) queue pages: one request after the other* |||||||||")
        for name, r in c.items():
            if name == "database":
                continue
            size = r.get("dossiers_in_queue")
            lines.append(http("`GET /healthz`" if name == "healthz" else f"{name} ({size:,})", r))
    return "\n".join(lines)


# --- main -------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dossiers", type=int, default=100_000, help="volume (default 100k)")
    parser.add_argument("--base", type=int, default=2_000, help="dossiers through the services")
    parser.add_argument("--gen-workers", type=int, default=2, help="generator processes")
    parser.add_argument("--reuse", action="store_true", help="keep a database of this volume")
    parser.add_argument("--pgdata", type=Path, help="default var/bench/office-pg-<dossiers>")
    parser.add_argument("--profile", default="production", help="MOTCUA_PROFILE of gunicorn")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (2 × cores)")
    parser.add_argument("--threads", type=int, default=1, help="gunicorn threads per worker")
    parser.add_argument("--seconds", type=int, default=20, help="wrk time per phase")
    parser.add_argument("--queue-seconds", type=int, default=5, help="time per queue page")
    parser.add_argument("--submit-connections", type=int, default=8)
    parser.add_argument("--lookup-connections", type=int, default=8)
    parser.add_argument("--pgbench-seconds", type=int, default=15)
    parser.add_argument("--explain", action="store_true", help="write the query plans")
    parser.add_argument(
        "--py-spy", action="store_true", help="sample the workers with py-spy (profiling runs)"
    )
    parser.add_argument("--only", default="abc", help="phases to run: a, b, c (default abc)")
    args = parser.parse_args()

    # A kill (TERM) unwinds like an error, so the server and the cluster are stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if shutil.which("wrk") is None:
        subprocess.run([str(ROOT / "scripts/apt.sh"), "wrk"], check=True)  # noqa: S603
    cluster = Cluster(args.pgdata or BENCH_DIR / f"office-pg-{args.dossiers}")
    cluster.start()
    secret = secrets.token_urlsafe(48)
    env = server_env(args, cluster, secret)
    os.environ.update({k: env[k] for k in env if k not in ("DEBUG",)})
    os.environ["DJANGO_SETTINGS_MODULE"] = "motcua.settings"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    server = None
    folder = Path(tempfile.mkdtemp(prefix="office-", dir=BENCH_DIR))
    results: dict = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cores": os.cpu_count(),
            "python": sys.version.split()[0],
            "load_average_at_start": os.getloadavg(),
        },
    }
    try:
        meta = read_meta() if args.reuse else None
        if meta and meta.get("dossiers") == args.dossiers and meta.get("base") == args.base:
            print(f"reusing the database loaded {meta['loaded_at']}", file=sys.stderr)
            results["load"] = {**meta, "reused": True}
        else:
            print(f"loading {args.dossiers} dossiers ({args.base} generated)", file=sys.stderr)
            results["load"] = {**load(args, cluster), "reused": False}
        results["load"].pop("log", None)
        results["volume"] = volume()
        results["database"] = f"{connection.vendor} {connection.pg_version}"
        print(json.dumps(results["volume"]), file=sys.stderr, flush=True)
        call_command("collectstatic", interactive=False, verbosity=0)
        results["server"] = {
            "profile": args.profile,
            "debug": False,
            "gunicorn_workers": args.workers,
            "threads": args.threads,
        }
        remove_run_rows()  # what a killed run left behind
        results["bodies"] = submission_bodies(folder)
        citizen_tokens(folder)
        results["lookup_pairs"] = lookup_pairs(folder, 20_000)
        sessions = officer_sessions()
        connection.close()
        server = Server(args, env)
        measure = {}
        if "a" in args.only:
            measure["a_submissions"] = phase_a(args, server, cluster, folder)
        if "b" in args.only:
            measure["b_lookups"] = phase_b(args, server, cluster, folder)
        if "c" in args.only:
            measure["c_queues"] = phase_c(args, server, cluster, sessions)
        results["measure"] = measure

        if args.explain:
            plans = explain_lookup((folder / "pairs.txt").read_text().split()[0]) + explain_menu(
                "motcua"
            )
            for username in DEMO_OFFICERS:
                for slug, _ in officer_queues(username):
                    plans += explain_queue(username, slug)
            stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
            path = BENCH_DIR / f"office-explain-{stamp}.txt"
            path.write_text("\n".join(plans) + "\n")
            results["explain"] = str(path.relative_to(ROOT))
    finally:
        if server is not None:
            server.stop()
        with suppress(Exception):
            sql("DROP TABLE IF EXISTS bench_codes")
            results["cleaned_files"] = remove_run_rows()
        connection.close()
        cluster.stop()
        shutil.rmtree(folder, ignore_errors=True)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    (BENCH_DIR / f"office-{stamp}.json").write_text(json.dumps(results, indent=2, default=str))
    print(json.dumps(results, indent=2, default=str))
    print(table(results), file=sys.stderr)


if __name__ == "__main__":
    main()
