"""A cluster on one machine, as docs/OPERATIONS.md deploys one on many: PostgreSQL (the test
server), a Redis job queue, three gunicorn app nodes and a job worker, behind HAProxy — each a
real process of its own on loopback, started here and stopped afterwards. Used by
test_cluster.py and bench/cluster.py."""

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

from bidding import crash_server as cs

ROOT = Path(__file__).resolve().parents[3]
HAPROXY = shutil.which('haproxy') or '/usr/sbin/haproxy'
REDIS = shutil.which('redis-server') or '/usr/bin/redis-server'


def missing_tools() -> list[str]:
    return [tool for tool in (HAPROXY, REDIS) if not os.path.exists(tool)]


def wait_for_port(port, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(('127.0.0.1', port), 1):
            return
        time.sleep(0.05)
    raise RuntimeError(f'nothing listens on port {port}')


class Process:
    """A server process in its own process group, its output in `log`."""

    def __init__(self, command, *, log, env=None, cwd=None):
        self.command, self.log, self.env, self.cwd = command, log, env, cwd
        self.proc = None

    def start(self):
        with open(self.log, 'ab') as out:
            self.proc = subprocess.Popen(
                self.command,
                stdout=out,
                stderr=out,
                env=self.env,
                cwd=self.cwd,
                start_new_session=True,
            )
        return self

    def stop(self):
        if self.proc is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, 15)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, 9)
            self.proc.wait(timeout=20)
        self.proc = None


def redis(folder: Path) -> tuple[Process, str]:
    port = cs.free_port()
    process = Process(
        [
            REDIS,
            '--port',
            str(port),
            '--bind',
            '127.0.0.1',
            '--save',
            '',
            '--appendonly',
            'no',
            '--dir',
            str(folder),
        ],
        log=folder / 'redis.log',
    ).start()
    wait_for_port(port)
    return process, f'redis://127.0.0.1:{port}/0'


HAPROXY_CONFIG = """\
global
    maxconn 2000
defaults
    mode http
    timeout connect 2s
    timeout client 300s
    timeout server 300s
    timeout check 3s
    retries 3
    option redispatch
    option forwardfor
frontend lpse
    bind 127.0.0.1:{port}
    default_backend nodes
backend nodes
    balance roundrobin
    option httpchk GET /health
    http-check expect status 200
    default-server inter 300ms fall 2 rise 1
{servers}
"""


def haproxy(folder: Path, node_ports) -> tuple[Process, int]:
    """HAProxy in front of the nodes: round robin, /health checked every 300 ms, the client's
    address in X-Forwarded-For (the nodes trust one proxy: LPSE_TRUSTED_PROXIES=1).

    A check may take up to 3 s (`timeout check`): without it HAProxy allows `inter` (300 ms),
    and under a deadline rush a node whose threads are all busy answers /health later than
    that, is marked down twice over and every request meanwhile gets HAProxy's own 503 (no
    server): a busy node is not a dead one. A SIGKILLed node refuses the connection at once,
    so a kill is still seen within two checks."""
    port = cs.free_port()
    servers = '\n'.join(
        f'    server node{n} 127.0.0.1:{p} check' for n, p in enumerate(node_ports, start=1)
    )
    config = folder / 'haproxy.cfg'
    config.write_text(HAPROXY_CONFIG.format(port=port, servers=servers))
    check = subprocess.run([HAPROXY, '-c', '-f', str(config)], capture_output=True, text=True)
    if check.returncode != 0:
        raise RuntimeError(f'haproxy config refused: {check.stdout}{check.stderr}')
    process = Process([HAPROXY, '-db', '-f', str(config)], log=folder / 'haproxy.log').start()
    wait_for_port(port)
    return process, port


class Cluster:
    """`nodes` gunicorn nodes + one worker + Redis + HAProxy on `world`'s database and store."""

    def __init__(
        self,
        world,
        folder: Path,
        *,
        nodes=3,
        workers=1,
        threads=8,
        app='crash_server:create()',
        with_worker=True,
        cwd=cs.HERE,
        **env,
    ):
        self.world, self.folder = world, Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.redis, queue_url = redis(self.folder)
        self.env = cs.server_env(
            world.database_url,
            world.data_dir,
            LPSE_QUEUE_URL=queue_url,
            LPSE_TRUSTED_PROXIES=1,
            LPSE_BID_LOCK_SECONDS=2,
            **env,
        )
        self.nodes = [
            cs.Server(
                app,
                self.env,
                workers=workers,
                threads=threads,
                log_path=self.folder / f'node{n}.log',
                cwd=cwd,
            )
            for n in range(1, nodes + 1)
        ]
        self.worker = None
        if with_worker:
            self.worker = Process(
                [sys.executable, '-m', 'flask', 'lpse', 'worker', '--workers', '2'],
                log=self.folder / 'worker.log',
                env={**self.env, 'FLASK_APP': 'lpse'},
                cwd=ROOT,
            )
        self.balancer = None
        self.port = None

    def start(self):
        for node in self.nodes:
            node.start(probe='/health')
        if self.worker is not None:
            self.worker.start()
        self.balancer, self.port = haproxy(self.folder, [n.port for n in self.nodes])
        self.wait_all_up()
        return self

    def wait_all_up(self, timeout=30):
        """Until the balancer answers through every node (its health checks caught up)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if all(n.proc is not None for n in self.nodes) and self._health() == 200:
                return
            time.sleep(0.1)
        raise RuntimeError('the balancer does not answer')

    def _health(self):
        import http.client

        conn = http.client.HTTPConnection('127.0.0.1', self.port, timeout=5)
        try:
            conn.request('GET', '/health')
            return conn.getresponse().status
        except OSError:
            return None
        finally:
            conn.close()

    def stop(self):
        for part in (self.balancer, self.worker, *self.nodes, self.redis):
            if part is not None:
                with contextlib.suppress(Exception):
                    part.stop()
