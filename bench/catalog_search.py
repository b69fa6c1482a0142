"""Catalog search latency with 2,000 generated procedures (target: p95 ≤ 10 ms server time).

Run with `make bench` (starts a throwaway PostgreSQL 15) or directly against any database:
    DATABASE_URL=... .venv/bin/python bench/catalog_search.py [--procedures 2000] [--rounds 30]

Server time is what the app spends on a request (the Server-Timing header our middleware
sets), measured through Django's test client: no network, no client-side rendering.
"""

import argparse
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "motcua.settings")
os.environ.setdefault("MOTCUA_PROFILE", "test")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from motcua.catalog.interchange import import_catalog  # noqa: E402
from motcua.catalog.models import Procedure  # noqa: E402

ACTIONS = [
    "Cấp",
    "Cấp lại",
    "Cấp đổi",
    "Gia hạn",
    "Điều chỉnh",
    "Thu hồi",
    "Đăng ký",
    "Xác nhận",
    "Thẩm định",
    "Công nhận",
    "Chấp thuận",
    "Đăng ký thay đổi",
]
OBJECTS = [
    "giấy phép xây dựng",
    "giấy chứng nhận quyền sử dụng đất",
    "giấy phép lái xe",
    "hộ kinh doanh",
    "giấy chứng nhận đủ điều kiện an toàn thực phẩm",
    "khai sinh",
    "kết hôn",
    "thường trú",
    "tạm trú",
    "giấy phép bán lẻ rượu",
    "chứng chỉ hành nghề",
    "giấy phép hoạt động cơ sở khám bệnh",
    "trường mầm non",
    "giấy phép kinh doanh karaoke",
    "phương tiện thủy nội địa",
    "giấy phép khai thác nước mặt",
    "đăng ký biện pháp bảo đảm",
    "giấy phép lao động cho người nước ngoài",
    "trợ cấp xã hội hằng tháng",
    "lý lịch tư pháp",
]
QUALIFIERS = [
    "",
    "cho tổ chức",
    "cho cá nhân",
    "có yếu tố nước ngoài",
    "cấp xã",
    "cấp tỉnh",
    "trong trường hợp bị mất",
    "do hết hạn",
    "đối với công trình cấp III",
    "lưu động",
]
QUERIES = [
    "dang ky khai sinh",
    "cấp giấy phép xây dựng",
    "ho kinh doanh",
    "GIẤY PHÉP",
    "chung chi hanh nghe",
    "an toàn thực phẩm",
    "tam tru",
    "lái xe",
    "nuoc ngoai",
    "cấp lại giấy phép lái xe do hết hạn",
]
FIELDS = ["ho-tich", "xay-dung", "dat-dai", "kinh-doanh", "y-te"]


def generate(count: int, seed: int = 766) -> dict:
    rng = random.Random(seed)
    names: set[str] = set()
    while len(names) < count:
        names.add(
            " ".join(
                filter(None, [rng.choice(ACTIONS), rng.choice(OBJECTS), rng.choice(QUALIFIERS)])
            )
        )
    procedures = []
    for i, name in enumerate(sorted(names)):
        procedures.append(
            {
                "code": f"9.{i:06d}",
                "name": name[0].upper() + name[1:],
                "field": FIELDS[i % len(FIELDS)],
                "versions": [
                    {
                        "number": 1,
                        "status": "published",
                        "tiers": ["province"],
                        "online_level": ["full", "partial", "info"][i % 3],
                        "limit": {"kind": "working_days", "value": 1 + i % 20},
                        "documents": [{"key": "don", "name": "Đơn đề nghị", "kind": "original"}],
                        "fees": [],
                        "steps": [],
                    }
                ],
            }
        )
    return {
        "format": "motcua-catalog/1",
        "fields": [{"code": f, "name": f.replace("-", " ").title()} for f in FIELDS],
        "procedures": procedures,
    }


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def server_ms(response) -> float:
    return float(response["Server-Timing"].split("dur=")[1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--procedures", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    Procedure.objects.filter(code__startswith="9.").delete()
    started = time.perf_counter()
    import_catalog(generate(args.procedures))
    load_s = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE") if connection.vendor == "postgresql" else None

    client = Client()
    endpoints = {
        "api": lambda q: f"/api/v1/procedures?q={q}&limit=20",
        "portal": lambda q: f"/thu-tuc/?q={q}",
    }
    for make in endpoints.values():  # warm caches and connections
        for q in QUERIES:
            client.get(make(q))
    results = {}
    for name, make in endpoints.items():
        timings = []
        for _ in range(args.rounds):
            for q in QUERIES:
                response = client.get(make(q))
                assert response.status_code == 200, response.status_code
                timings.append(server_ms(response))
        results[name] = {
            "requests": len(timings),
            "p50_ms": round(statistics.median(timings), 2),
            "p95_ms": round(percentile(timings, 95), 2),
            "max_ms": round(max(timings), 2),
        }
    version = connection.pg_version if connection.vendor == "postgresql" else ""
    print(
        json.dumps(
            {
                "database": f"{connection.vendor} {version}".strip(),
                "procedures": Procedure.objects.filter(current_version__isnull=False).count(),
                "load_seconds": round(load_s, 1),
                "results": results,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
