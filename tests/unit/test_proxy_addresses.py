"""The client address behind trusted proxies (lpse/proxies.py): from the right, only what
trusted hops added; the URL scheme only from a trusted hop."""

import pytest
from werkzeug.middleware.proxy_fix import ProxyFix

from lpse import proxies


def seen(middleware_for, peer, forwarded=None, proto=None):
    """(REMOTE_ADDR, url scheme) the app behind the middleware sees."""
    got = {}

    def inner(environ, _start_response):
        got.update(addr=environ['REMOTE_ADDR'], scheme=environ['wsgi.url_scheme'])
        return []

    environ = {'REMOTE_ADDR': peer, 'wsgi.url_scheme': 'http'}
    if forwarded is not None:
        environ['HTTP_X_FORWARDED_FOR'] = forwarded
    if proto is not None:
        environ['HTTP_X_FORWARDED_PROTO'] = proto
    middleware_for(inner)(environ, lambda *a: None)
    return got['addr'], got['scheme']


def networks(text):
    return lambda app: proxies.TrustedNetworks(app, proxies.parse_networks(text))


@pytest.mark.parametrize(
    ('peer', 'forwarded', 'proto', 'expected'),
    [
        # a direct client from outside: its headers are not read at all
        ('203.0.113.9', '10.0.0.5', 'https', ('203.0.113.9', 'http')),
        # one trusted balancer: the entry it appended is the client
        ('10.0.0.1', '203.0.113.5', 'https', ('203.0.113.5', 'https')),
        # the client spoofed entries before the balancer appended the real one
        ('10.0.0.1', '1.2.3.4, 10.9.9.9, 203.0.113.5', 'http, https', ('203.0.113.5', 'https')),
        # two trusted hops (balancer, then nginx on the node)
        ('127.0.0.1', '1.2.3.4, 203.0.113.5, 10.0.0.2', 'https', ('203.0.113.5', 'https')),
        # a trusted hop that forwarded no header: the hop is all we know
        ('10.0.0.1', None, None, ('10.0.0.1', 'http')),
        # garbage from a trusted hop is not an address
        ('10.0.0.1', 'unknown', 'https', ('10.0.0.1', 'http')),
        # IPv6 and IPv4-mapped peers
        ('::ffff:10.0.0.1', '2001:db8::7', 'https', ('2001:db8::7', 'https')),
    ],
)
def test_networks_take_the_first_untrusted_address_from_the_right(peer, forwarded, proto, expected):
    assert seen(networks('10.0.0.0/8, 127.0.0.1/32'), peer, forwarded, proto) == expected


def test_a_hop_count_drives_werkzeug_proxy_fix():
    one = lambda app: ProxyFix(app, x_for=1, x_proto=1)  # noqa: E731 — what init_app builds
    assert seen(one, '10.0.0.1', '1.2.3.4, 203.0.113.5', 'https') == ('203.0.113.5', 'https')
    assert seen(one, '10.0.0.1') == ('10.0.0.1', 'http')


@pytest.mark.parametrize(
    ('text', 'expected'),
    [('', 0), ('0', 0), ('2', 2), (3, 3), ('10.0.0.0/8', ('10.0.0.0/8',))],
)
def test_the_setting_is_a_count_or_networks(text, expected):
    value = proxies.parse_trusted(text)
    assert (value if isinstance(value, int) else tuple(map(str, value))) == expected


@pytest.mark.parametrize('text', ['-1', 'proxy.example', '10.0.0.0/33', 'x, 10.0.0.1'])
def test_a_bad_setting_stops_the_start(text):
    with pytest.raises(ValueError):
        proxies.parse_trusted(int(text) if text.lstrip('-').isdigit() else text)


def test_only_the_proxies_module_reads_the_socket_address():
    """Every route takes the client address from `proxies.client_ip()`: a route that read
    `request.remote_addr` behind a balancer would log (and throttle) the balancer."""
    from pathlib import Path

    import lpse

    root = Path(lpse.__file__).parent
    readers = [
        str(path.relative_to(root))
        for path in root.rglob('*.py')
        if path.name != 'proxies.py'
        and (
            'remote_addr' in path.read_text(encoding='utf-8')
            or 'access_route' in path.read_text(encoding='utf-8')
        )
    ]
    assert readers == []
