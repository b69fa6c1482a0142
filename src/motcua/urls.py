from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from motcua.api.routes import api
from motcua.core import health

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("payments/", include("motcua.payments.urls")),
    path("post/", include("motcua.delivery.urls")),
    path("notify/", include("motcua.notify.urls")),
    path("interop/", include("motcua.interop.urls")),
    path("", include("motcua.documents.urls")),
]
if settings.SANDBOX:  # the other side of each external protocol, never in production
    urlpatterns.append(path("sandbox/", include("motcua.sandbox.urls")))
# Vietnamese is served without a prefix; English under /en/.
urlpatterns += i18n_patterns(
    path("quan-tri/", admin.site.urls),
    path("mot-cua/", include("motcua.backoffice.urls")),
    path("", include("motcua.portal.urls")),
    prefix_default_language=False,
)
