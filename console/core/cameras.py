"""Public cameras near a case, and the one check every camera link passes before it is opened.

Camera links come from the backend; the console opens them with the desktop's own handler (a
stream player), never through a shell. Only rtsp, rtsps, http and https links with a host are
opened: the record schema already says so, and ``checked_stream_url`` checks again where the link
leaves the console.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final
from urllib.parse import urlsplit

from server_link import records as r

STREAM_SCHEMES: Final = frozenset({"rtsp", "rtsps", "http", "https"})
EARTH_RADIUS_M: Final = 6_371_000.0
NEAR_M: Final = 500.0  # "near a case": within a few minutes' walk
SHOWN: Final = 5


@dataclass(frozen=True, slots=True)
class NearbyCamera:
    camera: r.Camera
    distance_m: float


def nearby(
    cameras: Iterable[r.Camera], lon: float, lat: float, *, limit: int = SHOWN, within_m: float = NEAR_M
) -> list[NearbyCamera]:
    """The ``limit`` cameras nearest (lon, lat) within ``within_m`` metres, nearest first."""
    scale = math.cos(math.radians(lat))  # a district is small: an equirectangular distance is exact enough
    found = []
    for c in cameras:
        dx = math.radians(c.lon - lon) * scale
        dy = math.radians(c.lat - lat)
        d = EARTH_RADIUS_M * math.hypot(dx, dy)
        if d <= within_m:
            found.append(NearbyCamera(c, d))
    found.sort(key=lambda n: (n.distance_m, n.camera.id))
    return found[:limit]


def checked_stream_url(url: str) -> str:
    """``url`` if it is an rtsp/rtsps/http/https link with a host and nothing unprintable in it;
    otherwise ``ValueError`` saying why."""
    if any(ch.isspace() or not ch.isprintable() for ch in url):
        raise ValueError("the camera link holds spaces or control characters")
    parts = urlsplit(url)
    if parts.scheme.lower() not in STREAM_SCHEMES:
        raise ValueError(f"the camera link's scheme {parts.scheme or '(none)'!r} is not rtsp, rtsps, http or https")
    if not parts.hostname:
        raise ValueError("the camera link names no host")
    return url
