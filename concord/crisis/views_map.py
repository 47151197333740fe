"""The offline map: Leaflet (django-leaflet's static files) over our own vector basemap of
Natural Earth layers, with events clustered on the server (`/api/v1/crisis/events/clusters`).

Nothing on the page comes from elsewhere: LEAFLET_CONFIG has no tile layer, the basemap is
served here (`basemap`), scripts and styles are our static files, and the page's settings travel
in a `json_script` block rather than an inline script, so a strict Content-Security-Policy
holds.
"""

from __future__ import annotations

import calendar
import hashlib
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from concord.core.models import MemberState

from . import access, geo, queries
from .models import Origin, Region

BASEMAP_LAYERS = ("countries", "world", "places")
MONTH_SPANS = (3, 6, 12, 24, 60)
DEFAULT_MONTHS = 12
PLAY_STEP_MS = 900
# ColorBrewer RdYlGn, reversed, for severity 1 (minor) … 5 (extreme); map.css uses the same.
SEVERITY_COLOURS = {"1": "#1a9850", "2": "#91cf60", "3": "#e6b800", "4": "#fc8d59", "5": "#d73027"}
ATTRIBUTION = "Natural Earth"


def _months_back(day: date, months: int) -> date:
    """The same day `months` earlier (the month's last day when it is shorter)."""
    month_index = day.year * 12 + day.month - 1 - months
    year, month = divmod(month_index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def _months(request: HttpRequest) -> int:
    text = request.GET.get("months", "")
    return int(text) if text.isdigit() and int(text) in MONTH_SPANS else DEFAULT_MONTHS


def _config(request: HttpRequest, months: int) -> dict[str, Any]:
    leaflet = getattr(settings, "LEAFLET_CONFIG", {})
    # The window ends at the latest event the user may see (today when there is none).
    latest = queries.latest_start(request.user) or timezone.now()
    today = min(latest, timezone.now()).astimezone(UTC).date()
    end = datetime.combine(today + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    start = datetime.combine(_months_back(today, months), datetime.min.time(), tzinfo=UTC)
    marker = uuid.UUID(int=0)
    return {
        "center": list(leaflet.get("DEFAULT_CENTER", (38.0, 68.0))),
        "zoom": leaflet.get("DEFAULT_ZOOM", 5),
        "minZoom": leaflet.get("MIN_ZOOM", 2),
        "maxZoom": leaflet.get("MAX_ZOOM", 14),
        "basemap": {name: reverse("crisis:basemap", args=[name]) for name in BASEMAP_LAYERS},
        "clustersUrl": reverse("api:crisis_event_clusters"),
        # The region's outline: this prefix and the slug (`/api/v1/crisis/regions/{slug}`).
        "regionUrl": reverse("api:crisis_regions") + "/",
        "eventUrl": reverse("crisis:event", args=[marker]).replace(str(marker), "{uid}"),
        "memberStates": sorted(
            MemberState.objects.current().values_list("country__alpha3", flat=True)
        ),
        "timeStart": start.isoformat(),
        "timeEnd": end.isoformat(),
        "stepMs": PLAY_STEP_MS,
        "colours": SEVERITY_COLOURS,
        "attribution": _("Borders and places: %(source)s (public domain)")
        % {"source": ATTRIBUTION},
        "labels": {
            "severity": _("Severity"),
            "events": _("Events"),
            "shown": _("Events on the map"),
            "open": _("Open the event"),
            "play": _("Play"),
            "pause": _("Pause"),
            "failed": _("Could not load the events:"),
            "basemapFailed": _("Could not load the basemap:"),
        },
    }


@login_required
def map_page(request: HttpRequest) -> TemplateResponse:
    access.reader(request.user)
    months = _months(request)
    return TemplateResponse(
        request,
        "crisis/map.html",
        {
            "config": _config(request, months),
            "type_choices": queries.type_choices(),
            "origins": Origin.choices,
            "regions": Region.objects.order_by("slug"),
            "severities": range(1, 6),
            "months": months,
            "month_spans": MONTH_SPANS,
            "chosen": request.GET,
        },
    )


@login_required
@require_GET
def basemap(request: HttpRequest, name: str) -> HttpResponse:
    """A basemap layer as GeoJSON, with an ETag (the layers change only with a release) and a
    day in the browser's cache."""
    if name not in BASEMAP_LAYERS:
        raise Http404(_("no such basemap layer"))
    content = geo.basemap_layer(name)
    etag = '"' + hashlib.sha256(content).hexdigest()[:32] + '"'
    response = get_conditional_response(request, etag=etag)
    if response is None:
        response = HttpResponse(content, content_type="application/geo+json")
    response["ETag"] = etag
    patch_cache_control(response, private=True, max_age=86400)
    return response


urlpatterns: list[URLPattern] = [
    path("map/", map_page, name="map"),
    path("map/basemap/<slug:name>.geojson", basemap, name="basemap"),
]
