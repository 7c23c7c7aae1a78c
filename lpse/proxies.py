"""The client's address behind trusted proxies (LPSE_TRUSTED_PROXIES) and the one helper that
every login throttle, audit event and bid row reads it through.

LPSE_TRUSTED_PROXIES is a count of proxy hops in front of every node (werkzeug's ProxyFix takes
that many X-Forwarded-For/-Proto entries from the right) or a comma list of networks (the
entries added by hops inside those networks are taken from the right, the first address outside
them is the client). 0 (the default) trusts no header: the peer's address is the client's."""

import ipaddress
from collections.abc import Callable

from flask import request
from werkzeug.middleware.proxy_fix import ProxyFix

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_trusted(value) -> int | tuple[Network, ...]:
    """A hop count (int >= 0) or a tuple of networks, from the setting's text or value."""
    if isinstance(value, int):
        if value < 0:
            raise ValueError(f'a hop count must be >= 0, got {value}')
        return value
    if isinstance(value, list | tuple):
        return parse_networks(value)
    text = str(value or '').strip()
    if text.isdigit():
        return int(text)
    return parse_networks(text) if text else 0


def parse_networks(value) -> tuple[Network, ...]:
    """A comma list (or sequence) of networks, e.g. '127.0.0.1/32,::1/128,10.0.0.0/8'."""
    items = [str(n).strip() for n in (value.split(',') if isinstance(value, str) else value)]
    try:
        return tuple(ipaddress.ip_network(n, strict=False) for n in items if n)
    except ValueError as exc:
        raise ValueError(f'expected a comma list of networks: {exc}') from None


def address(text) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address in ``text`` (IPv4-mapped IPv6 read as IPv4), or None if it is none."""
    try:
        ip = ipaddress.ip_address(str(text or '').strip())
    except ValueError:
        return None
    mapped = getattr(ip, 'ipv4_mapped', None)
    return mapped or ip


def in_networks(text, networks) -> bool:
    ip = address(text)
    return ip is not None and any(ip.version == n.version and ip in n for n in networks)


class TrustedNetworks:
    """WSGI middleware: rewrites REMOTE_ADDR (and the URL scheme) from X-Forwarded-For/-Proto,
    trusting only the entries that hops inside ``networks`` appended, read from the right."""

    def __init__(self, app: Callable, networks: tuple[Network, ...]):
        self.app = app
        self.networks = networks

    def __call__(self, environ, start_response):
        peer = environ.get('REMOTE_ADDR', '')
        forwarded = _entries(environ.get('HTTP_X_FORWARDED_FOR'))
        client, hops = peer, 0
        while in_networks(client, self.networks) and forwarded:
            candidate = forwarded.pop()
            if address(candidate) is None:
                break  # a trusted hop passed on garbage: the hop itself is the client we know
            client, hops = candidate, hops + 1
        environ['REMOTE_ADDR'] = str(address(client) or client)
        protos = _entries(environ.get('HTTP_X_FORWARDED_PROTO'))
        if hops and protos:
            # the value the outermost trusted hop saw (nginx overwriting it leaves one value)
            proto = protos[-min(hops, len(protos))].lower()
            if proto in ('http', 'https'):
                environ['wsgi.url_scheme'] = proto
        return self.app(environ, start_response)


def _entries(header) -> list[str]:
    return [part.strip() for part in (header or '').split(',') if part.strip()]


def init_app(app) -> None:
    """Wrap the WSGI app so `request.remote_addr` is the real client; no-op for 0."""
    trusted = parse_trusted(app.config.get('LPSE_TRUSTED_PROXIES', 0))
    app.config['LPSE_TRUSTED_PROXIES'] = trusted
    if isinstance(trusted, int):
        if trusted:
            app.wsgi_app = ProxyFix(app.wsgi_app, x_for=trusted, x_proto=trusted)
    elif trusted:
        app.wsgi_app = TrustedNetworks(app.wsgi_app, trusted)


def client_ip() -> str | None:
    """The client's address for throttling, audit events and bid rows: the peer, or the real
    client behind the configured trusted proxies — never a header an untrusted hop set."""
    return request.remote_addr
