from ninja import NinjaAPI

api = NinjaAPI(
    title="motcua API",
    version="1",
    description="Cổng dịch vụ công và Hệ thống một cửa điện tử — public API v1.",
    urls_namespace="api",
)
