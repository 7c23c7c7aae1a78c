"""Looking at the blob store from a test the same way on both stores (local folder, S3)."""

from pathlib import PurePosixPath

from lpse import storage
from lpse.storage_s3 import S3Store


def stored_blobs() -> list[str]:
    """The hashes of every blob the app's store holds."""
    return sorted(sha for sha, _at in storage.blob_store().list_blobs())


def tamper(sha256: str, change) -> None:
    """Replace a stored blob's bytes with ``change(bytes)`` behind the store's back, as an
    administrator of the store could (the store itself never overwrites)."""
    store = storage.blob_store()
    with store.open(sha256) as fh:
        data = change(fh.read())
    if isinstance(store, S3Store):
        store.client.put_object(Bucket=store.bucket, Key=store.key(sha256), Body=data)
    else:
        path = store.path(sha256)
        path.chmod(0o644)
        path.write_bytes(data)


def leftovers() -> list[str]:
    """What unfinished uploads left: temp files, and on S3 multipart uploads not completed."""
    store = storage.blob_store()
    folder = store.spool_dir if isinstance(store, S3Store) else store.root / 'incoming'
    found = sorted(p.name for p in folder.glob('*')) if folder.is_dir() else []
    if isinstance(store, S3Store):
        found += sorted(key for key, _id, _at in store.incomplete_uploads())
    return found


class InStore(PurePosixPath):
    """A blob named like a file (``store/<sha256>``) whose bytes are read from the store;
    an unfinished upload (``store/incoming/…``) reads as nothing."""

    def read_bytes(self) -> bytes:
        if 'incoming' in self.parts:
            return b''
        with storage.blob_store().open(self.name) as fh:
            return fh.read()
