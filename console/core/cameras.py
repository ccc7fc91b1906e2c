"""Public cameras near a case, and the one check every camera link passes before it is opened.

Camera links come from the backend; the console opens them with the desktop's own handler (a
stream player), never through a shell. ``checked_stream_url`` checks a link where it leaves the
console, more strictly than the record schema: only rtsp, rtsps, http and https; no user-info
(``http://bank.example@10.0.0.1/`` names the host 10.0.0.1, not the bank); a host that is a plain
ASCII name (letters, digits, hyphens; no label starting or ending with ``-``; no ``xn--`` label, as
an IDN can imitate another name) or an IP address in its canonical form (dotted-quad IPv4 without
leading zeros, hex, octal or short forms such as ``0x7f.1``, ``017.0.0.1``, ``2130706433``,
``127.1``; bracketed IPv6 as ``ipaddress`` writes it); a port from 1 to 65535; nothing unprintable.
With ``CameraNetworks`` (``grid-console --camera-networks``), only hosts in those networks or under
those domains are opened.

A refusal is a ``LinkRefused`` (a ``ValueError``) whose ``reason`` is a Chinese source string, marked
here for lupdate (``scripts/translations`` reads this file) and translated where it is shown.
"""

from __future__ import annotations

import ipaddress
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final
from urllib.parse import urlsplit

STREAM_SCHEMES: Final = frozenset({"rtsp", "rtsps", "http", "https"})
EARTH_RADIUS_M: Final = 6_371_000.0
NEAR_M: Final = 500.0  # "near a case": within a few minutes' walk
SHOWN: Final = 5


def metres_between(lon: float, lat: float, lon2: float, lat2: float) -> float:
    """The distance between two points of the district in metres (a district is small: an
    equirectangular distance is exact enough)."""
    scale = math.cos(math.radians(lat2))
    return EARTH_RADIUS_M * math.hypot(math.radians(lon - lon2) * scale, math.radians(lat - lat2))


def QT_TRANSLATE_NOOP(context: str, source: str) -> str:  # the name lupdate looks for
    """Mark ``source`` for translation in ``context`` (the core has no Qt: the shell translates)."""
    return source


CONTEXT: Final = "cameras"
SPACES: Final = QT_TRANSLATE_NOOP("cameras", "链接含有空格或控制字符")
SCHEME: Final = QT_TRANSLATE_NOOP("cameras", "协议 {0} 不是 rtsp、rtsps、http 或 https")
NO_HOST: Final = QT_TRANSLATE_NOOP("cameras", "链接没有主机")
USER_INFO: Final = QT_TRANSLATE_NOOP("cameras", "链接含有用户信息（@ 之前的部分），可冒充其他主机")
NOT_ASCII: Final = QT_TRANSLATE_NOOP("cameras", "主机名含非 ASCII 字符（国际化域名可冒充其他主机）")
PUNYCODE: Final = QT_TRANSLATE_NOOP("cameras", "主机名含 xn-- 标签（国际化域名可冒充其他主机）")
HOST_NAME: Final = QT_TRANSLATE_NOOP("cameras", "{0} 不是规范的主机名（字母、数字、连字符，连字符不在首尾）")
IPV4: Final = QT_TRANSLATE_NOOP("cameras", "{0} 不是规范的 IPv4 地址（点分十进制，无前导零）")
IPV6: Final = QT_TRANSLATE_NOOP("cameras", "{0} 不是规范的 IPv6 地址")
PORT: Final = QT_TRANSLATE_NOOP("cameras", "端口 {0} 不是 1–65535 之间的数字")
NOT_ALLOWED: Final = QT_TRANSLATE_NOOP("cameras", "主机 {0} 不在允许的摄像头网络内")
REASONS: Final = (SPACES, SCHEME, NO_HOST, USER_INFO, NOT_ASCII, PUNYCODE, HOST_NAME, IPV4, IPV6, PORT, NOT_ALLOWED)

_LABEL: Final = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
_NUMERIC_LABEL: Final = re.compile(r"[0-9]+|0x[0-9a-f]*")  # what URL parsers take for a part of an IPv4 address
Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class LinkRefused(ValueError):
    """A camera link that is not opened: ``reason`` (one of ``REASONS``, a Chinese source string with
    ``{0}`` for ``value``) says why."""

    def __init__(self, reason: str, value: str = "") -> None:
        super().__init__(reason.format(value))
        self.reason = reason
        self.value = value

    def translated(self, translate: Callable[[str, str], str]) -> str:
        """The reason in the UI's language (``translate(context, source)``, e.g. Qt's)."""
        return translate(CONTEXT, self.reason).format(self.value)


@dataclass(frozen=True, slots=True)
class CameraNetworks:
    """Where camera links may point: IP networks (CIDR) and host-name domains (a domain admits itself
    and every name under it). Names are not resolved: a name is admitted by its domain only."""

    networks: tuple[Network, ...] = ()
    domains: tuple[str, ...] = ()

    @classmethod
    def parse(cls, text: str) -> CameraNetworks:
        """``10.0.0.0/8,cams.dc.gov.cn`` (comma-separated); ``ValueError`` naming the bad item."""
        networks: list[Network] = []
        domains: list[str] = []
        for item in (part.strip() for part in text.split(",")):
            if not item:
                raise ValueError(f"camera networks: an empty item in {text!r}")
            if "/" in item or ":" in item or _NUMERIC_LABEL.fullmatch(item.lower().rsplit(".", 1)[-1]):
                try:
                    networks.append(ipaddress.ip_network(item, strict=True))
                except ValueError as exc:
                    raise ValueError(f"camera networks: {item!r} is not a network in CIDR form ({exc})") from None
                continue
            name = item.lower()
            try:
                _check_name(name)
            except LinkRefused:
                raise ValueError(
                    f"camera networks: {item!r} is neither a network (CIDR) nor a plain host name"
                    " (ASCII letters, digits and hyphens; no hyphen first or last; no xn-- label)"
                ) from None
            domains.append(name)
        return cls(tuple(networks), tuple(domains))

    def admits(self, host: str | Address) -> bool:
        """Whether ``host`` (a checked host name, or an address) is in one of the networks or domains."""
        if isinstance(host, str):
            return any(host == d or host.endswith("." + d) for d in self.domains)
        return any(host.version == n.version and host in n for n in self.networks)

    def __str__(self) -> str:
        return ",".join([*(str(n) for n in self.networks), *self.domains])


def checked_stream_url(url: str, allowed: CameraNetworks | None = None) -> str:
    """``url`` if it is a camera link the console may hand to the desktop's player (see the module's
    docstring), and in ``allowed`` when that is given; otherwise ``LinkRefused`` saying why."""
    if any(ch.isspace() or not ch.isprintable() for ch in url):
        raise LinkRefused(SPACES)
    try:
        parts = urlsplit(url)
    except ValueError:  # brackets that hold no IPv6 address, or a host that NFKC turns into another
        authority = url.partition("//")[2].partition("/")[0]
        raise LinkRefused(
            IPV6 if authority.isascii() else NOT_ASCII, authority[:60] if authority.isascii() else ""
        ) from None
    if parts.scheme.lower() not in STREAM_SCHEMES:
        raise LinkRefused(SCHEME, repr(parts.scheme)[:40])
    if not url[len(parts.scheme) :].startswith("://"):
        raise LinkRefused(NO_HOST)
    netloc = parts.netloc
    if "@" in netloc:
        raise LinkRefused(USER_INFO)
    host, port = _split_authority(netloc)
    if not host:
        raise LinkRefused(NO_HOST)
    if port is not None and not (port.isascii() and port.isdigit() and 1 <= int(port) <= 65535):
        raise LinkRefused(PORT, repr(port)[:20])
    checked = _checked_host(host)
    if allowed is not None and not allowed.admits(checked):
        raise LinkRefused(NOT_ALLOWED, host)
    return url


def _split_authority(netloc: str) -> tuple[str, str | None]:
    """(host, port or None) of ``host[:port]``; an IPv6 host keeps its brackets."""
    if netloc.startswith("["):
        end = netloc.find("]")
        if end < 0:
            raise LinkRefused(IPV6, netloc[:60])
        host, rest = netloc[: end + 1], netloc[end + 1 :]
        if rest and not rest.startswith(":"):
            raise LinkRefused(IPV6, netloc[:60])
        return host, rest[1:] if rest else None
    host, colon, port = netloc.partition(":")
    return host, port if colon else None


def _checked_host(host: str) -> str | Address:
    """The host as a lower-case name or an address, if it is one in canonical form."""
    if not host.isascii():
        raise LinkRefused(NOT_ASCII)
    if host.startswith("["):
        inner = host[1:-1]
        try:
            address = ipaddress.IPv6Address(inner)
        except ValueError:
            raise LinkRefused(IPV6, host[:60]) from None
        if address.compressed != inner or address.scope_id is not None:
            raise LinkRefused(IPV6, host[:60])
        return address
    name = host.lower()
    if _NUMERIC_LABEL.fullmatch(name.rsplit(".", 1)[-1]):  # a URL parser would read an IPv4 address
        try:
            v4 = ipaddress.IPv4Address(name)  # four decimal parts, no leading zeros
        except ValueError:
            raise LinkRefused(IPV4, host[:60]) from None
        if str(v4) != name:
            raise LinkRefused(IPV4, host[:60])
        return v4
    _check_name(name)
    return name


def _check_name(name: str) -> None:
    """A plain lower-case ASCII host name: LDH labels, none starting or ending with ``-``, no ``xn--``."""
    if not name.isascii():
        raise LinkRefused(NOT_ASCII)
    labels = name.split(".")
    if len(name) > 253 or not all(_LABEL.fullmatch(label) for label in labels):
        raise LinkRefused(HOST_NAME, name[:60])
    if any(label.startswith("xn--") for label in labels):
        raise LinkRefused(PUNYCODE)
