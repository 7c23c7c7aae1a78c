"""The HTTP client of the `lpse` console commands (`lpse submit`, `lpse open-share`): one server
URL and API token, TLS (or plain http to loopback only), bounded answers, and the server's
`{"error": {"code", "message"}}` turned into one readable line."""

import http.client
import ipaddress
import json
import ssl
from urllib.parse import quote, urlsplit

CHUNK = 64 * 1024
MAX_RESPONSE = 1024 * 1024


class ApiError(Exception):
    """The server refused, or could not be reached; the message says which and why."""


def connect(server: str, *, timeout: float) -> tuple[http.client.HTTPConnection, str]:
    """A connection to `server` and the URL's base path; refuses to send a token in clear text
    anywhere but to this machine."""
    url = urlsplit(server)
    if url.scheme not in ('http', 'https') or not url.hostname:
        raise ApiError(f'--server must be an http(s) URL, not {server!r}')
    if url.scheme == 'http' and not _is_loopback(url.hostname):
        raise ApiError('refusing to send the token over plain http; use an https:// URL')
    if url.scheme == 'https':
        conn = http.client.HTTPSConnection(
            url.hostname, url.port, timeout=timeout, context=ssl.create_default_context()
        )
    else:
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=timeout)
    return conn, url.path.rstrip('/')


def auth_headers(token: str) -> dict[str, str]:
    return {'Authorization': f'Bearer {token}', 'Accept': 'application/json'}


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


def request_json(server: str, token: str, method: str, path: str, body=None, *, timeout=120):
    """One request to {server}{path}; the decoded JSON answer, or ApiError."""
    conn, base = connect(server, timeout=timeout)
    headers = auth_headers(token)
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers['Content-Type'] = 'application/json'
    try:
        conn.request(method, base + quote(path, safe='/'), body=data, headers=headers)
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
    try:
        answer = json.loads(raw) if raw else {}
    except ValueError:
        answer = None
    if not isinstance(answer, dict) or len(raw) >= MAX_RESPONSE:
        raise ApiError('the server answered without readable JSON')
    return answer


def _is_loopback(host: str) -> bool:
    if host == 'localhost':
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
