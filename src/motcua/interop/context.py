"""What every page needs to know of the deployment model (docs/national-sync.md)."""

from django.conf import settings


def deployment(request) -> dict:
    return {
        "behind_national_portal": settings.MOTCUA.get("DEPLOYMENT_MODEL", 1) == 2,
        "national_portal_url": settings.MOTCUA.get("NATIONAL", {}).get(
            "PORTAL_URL", "https://dichvucong.gov.vn"
        ),
    }
