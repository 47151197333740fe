"""Charts for every app: Vega-Lite specifications rendered to SVG by vl-convert, offline.

One renderer, so that pages and PDFs of every module draw alike: no external data (no base URL
is allowed), numbers and dates in the active language's locale, the PDF's font, element ids made
unique per chart (several SVGs sit inline in one page), and the last CACHE_SIZE renderings kept
per spec and locale (thread-safe; a spec's key order does not matter).
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections import OrderedDict
from typing import Any, Literal

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

FONT = "DejaVu Sans"  # the font WeasyPrint lays PDFs out with; vl-convert measures text with it
CACHE_SIZE = 256

_cache: OrderedDict[str, SafeString] = OrderedDict()
_cache_lock = threading.Lock()

_XLINK = re.compile(r'\s+xmlns:xlink="http://www\.w3\.org/1999/xlink"')
_ID = re.compile(r'\bid="([^"]+)"')


def locale() -> Literal["ru-RU", "en-US"]:
    """The number and time locale of the active language."""
    return "ru-RU" if (get_language() or "ru").startswith("ru") else "en-US"


def _self_contained(text: str, prefix: str) -> str:
    """The SVG as it may sit inline in a page next to other charts: no unused xlink namespace
    (so the only address left is the SVG namespace) and element ids made unique per chart."""
    if "xlink:" not in _XLINK.sub("", text):
        text = _XLINK.sub("", text, count=1)
    for name in set(_ID.findall(text)):
        unique = f"{prefix}-{name}"
        text = text.replace(f'id="{name}"', f'id="{unique}"')
        text = text.replace(f"url(#{name})", f"url(#{unique})")
        text = text.replace(f'href="#{name}"', f'href="#{unique}"')
    return text


def svg(spec: dict[str, Any]) -> SafeString:
    """The chart as an SVG document, rendered by vl-convert with no external data allowed."""
    active = locale()
    canonical = json.dumps(spec, sort_keys=True, ensure_ascii=False, default=str)
    key = hashlib.sha256(f"{active}\n{canonical}".encode()).hexdigest()
    with _cache_lock:
        cached = _cache.get(key)
        if cached is not None:
            _cache.move_to_end(key)
            return cached
    import vl_convert  # a Deno runtime: loaded only when a chart is drawn

    rendered = vl_convert.vegalite_to_svg(
        json.loads(canonical),
        allowed_base_urls=[],
        format_locale=active,
        time_format_locale=active,
    )
    # The SVG comes from our own spec; vl-convert escapes every label it draws.
    text = mark_safe(_self_contained(rendered, f"c{key[:8]}"))  # noqa: S308
    with _cache_lock:
        _cache[key] = text
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return text


def clear_cache() -> None:
    with _cache_lock:
        _cache.clear()
