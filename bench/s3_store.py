"""The S3 blob store (issue 17 point 1): N blobs of S MB put through `S3Store.put_stream` and
read back through `open`, against moto_server (started here, as the tests do) or an endpoint
given with --endpoint (MinIO, Ceph RGW, Garage; credentials from AWS_ACCESS_KEY_ID and
AWS_SECRET_ACCESS_KEY). Prints the time per blob, the throughput and the Python heap's peak
(tracemalloc) of the largest put, which stays flat in the blob size. Asserts nothing.

    .venv/bin/python bench/s3_store.py                       # 5 blobs × 60 MB
    .venv/bin/python bench/s3_store.py --blobs 20 --size-mb 10 --part-mb 8
"""

import argparse
import os
import sys
import tempfile
import time
import tracemalloc
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's lpse
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / 'tests'))

MB = 1024 * 1024


class Generated:
    """``size`` random bytes made as they are read."""

    def __init__(self, size):
        self.left = size

    def read(self, n=-1):
        n = self.left if n < 0 else min(n, self.left)
        self.left -= n
        return os.urandom(n)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--blobs', type=int, default=5)
    parser.add_argument('--size-mb', type=float, default=60)
    parser.add_argument('--part-mb', type=int, default=8)
    parser.add_argument('--endpoint', default=os.environ.get('LPSE_S3_ENDPOINT'))
    parser.add_argument('--bucket', default=None)
    args = parser.parse_args(argv)

    import s3_helpers

    from lpse.storage_s3 import S3Store, _client

    if args.endpoint:
        client = _client(args.endpoint, os.environ.get('LPSE_S3_REGION', 'us-east-1'), 'path')
        bucket = args.bucket or os.environ['LPSE_S3_BUCKET']
    else:
        client, bucket = s3_helpers.client(), s3_helpers.new_bucket()
    size = int(args.size_mb * MB)
    with tempfile.TemporaryDirectory() as spool:
        store = S3Store(
            client,
            bucket,
            prefix=f'bench-{uuid.uuid4().hex}/',
            part_size=args.part_mb * MB,
            spool_dir=spool,
        )
        puts, gets, peak = [], [], 0
        try:
            tracemalloc.start()  # one untimed put under tracemalloc (it slows everything)
            store.delete(store.put_stream(Generated(size), max_size=size)[0])
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            for _n in range(args.blobs):
                started = time.perf_counter()
                sha, _ = store.put_stream(Generated(size), max_size=size)
                puts.append(time.perf_counter() - started)
                started = time.perf_counter()
                with store.open(sha) as fh:
                    while fh.read(MB):
                        pass
                gets.append(time.perf_counter() - started)
                store.delete(sha)
        finally:
            s3_helpers.stop()
    total = args.blobs * size / MB
    print(f'{args.blobs} blob(s) × {args.size_mb:g} MB, parts of {args.part_mb} MB')
    print(f'put: {sum(puts) / len(puts):.2f} s per blob, {total / sum(puts):.1f} MB/s')
    print(f'get: {sum(gets) / len(gets):.2f} s per blob, {total / sum(gets):.1f} MB/s')
    print(f'peak Python heap during a (separate) put: {peak / MB:.2f} MB')


if __name__ == '__main__':
    main()
