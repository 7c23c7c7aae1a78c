"""The HTTP client of the `lpse` console commands (`lpse submit`, `lpse open-share`,
`lpse sign-contract`, `lpse witness`): one server URL and API token (none for the public log
endpoints), TLS (or plain http to loopback only), bounded answers, and the server's
`{"error": {"code", "message"}}` turned into one readable line."""

import http.client
import ipaddress
import json
import ssl
from urllib.parse import quote, urlencode, urlsplit

CHUNK = 64 * 1024
MAX_RESPONSE = 1024 * 1024


class ApiError(Exception):
    """The server refused, or could not be reached; the message says which and why."""


def connect(server: str, *, timeout: float) -> tuple[http.client.HTTPConnection, str]:
    """A connection to `server` and the URL's base path; refuses clear text (a token, or an
    answer someone could alter on the way) anywhere but to this machine."""
    url = urlsplit(server)
    if url.scheme not in ('http', 'https') or not url.hostname:
        raise ApiError(f'--server must be an http(s) URL, not {server!r}')
    if url.scheme == 'http' and not _is_loopback(url.hostname):
        raise ApiError('refusing plain http to another machine; use an https:// URL')
    if url.scheme == 'https':
        conn = http.client.HTTPSConnection(
            url.hostname, url.port, timeout=timeout, context=ssl.create_default_context()
        )
    else:
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=timeout)
    return conn, url.path.rstrip('/')


def auth_headers(token: str | None) -> dict[str, str]:
    """The headers of a JSON request, with the bearer token when there is one."""
    headers = {'Accept': 'application/json'}
    if token is not None:
        headers['Authorization'] = f'Bearer {token}'
    return headers


def read_limited(response) -> bytes:
    """The answer's body, at most MAX_RESPONSE bytes of it."""
    parts, size = [], 0
    while size < MAX_RESPONSE and (chunk := response.read(min(CHUNK, MAX_RESPONSE - size))):
        parts.append(chunk)
        size += len(chunk)
    return b''.join(parts)


def error_text(status: int, body: bytes) -> str:
    """The server's refusal in one line: its JSON error message and code, else the status."""
    try:
        error = json.loads(body)['error']
        return f'{error["message"]} ({status} {error["code"]})'
    except (ValueError, KeyError, TypeError):
        text = body[:200].decode('utf-8', 'replace').strip()
        return f'HTTP {status}' + (f': {text}' if text else '')


def _exchange(server, method, path, *, headers, data=None, query=None, timeout) -> bytes:
    """One request to {server}{path}[?query]: the body of a successful answer, or ApiError."""
    conn, base = connect(server, timeout=timeout)
    target = base + quote(path, safe='/') + (f'?{urlencode(query)}' if query else '')
    try:
        conn.request(method, target, body=data, headers=headers)
        response = conn.getresponse()
        with response:
            raw = read_limited(response)
            status = response.status
    except (OSError, http.client.HTTPException) as exc:
        raise ApiError(f'{conn.host} could not be reached: {exc}') from None
    finally:
        conn.close()
    if status >= 400:
        raise ApiError(f'the server refused: {error_text(status, raw)}')
    if len(raw) >= MAX_RESPONSE:
        raise ApiError(f'the answer of {conn.host} is larger than {MAX_RESPONSE} bytes')
    return raw


def request_json(
    server: str, token: str | None, method: str, path: str, body=None, *, query=None, timeout=120
):
    """One request to {server}{path} (with the token, if any); the decoded JSON answer, or
    ApiError."""
    headers = auth_headers(token)
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers['Content-Type'] = 'application/json'
    raw = _exchange(server, method, path, headers=headers, data=data, query=query, timeout=timeout)
    try:
        answer = json.loads(raw) if raw else {}
    except ValueError:
        answer = None
    if not isinstance(answer, dict):
        raise ApiError('the server answered without readable JSON')
    return answer


def request_bytes(
    server: str,
    token: str,
    method: str,
    path: str,
    data: bytes | None = None,
    *,
    content_type: str = 'application/octet-stream',
    accept: str = 'application/json',
    timeout=120,
) -> bytes:
    """One request with the token sending and/or receiving raw bytes (a PDF to sign, a signed
    PDF): the body of a successful answer, or ApiError."""
    headers = auth_headers(token) | {'Accept': accept}
    if data is not None:
        headers['Content-Type'] = content_type
    return _exchange(server, method, path, headers=headers, data=data, timeout=timeout)


def fetch_public(server: str, path: str, *, query=None, accept='text/plain', timeout=120) -> bytes:
    """GET {server}{path} without a token (the public log endpoints): the raw body, or ApiError
    if the server refused or could not be reached."""
    headers = {'Accept': accept}
    return _exchange(server, 'GET', path, headers=headers, query=query, timeout=timeout)


def _is_loopback(host: str) -> bool:
    if host == 'localhost':
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
