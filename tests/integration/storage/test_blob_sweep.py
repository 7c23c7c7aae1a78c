"""The store interface both stores share (delete, list, sweep) and `flask lpse blobs-sweep`,
run on the local folder and on S3 (moto_server) alike."""

import io
import os
import time

import pytest
import s3_helpers

from lpse import clock, storage
from lpse.extensions import db
from lpse.jobs.models import Job
from lpse.storage_s3 import S3Store


@pytest.fixture(params=['file', 's3'])
def app_config(request, tmp_path):
    config = {'LPSE_DATA_DIR': str(tmp_path / 'data')}
    if request.param == 's3':
        config.update(s3_helpers.app_config())
    else:
        config['LPSE_BLOB_STORE'] = 'file'
    return config


def put(data: bytes) -> str:
    return storage.blob_store().put_stream(io.BytesIO(data), max_size=1000)[0]


def stored() -> set[str]:
    return {sha for sha, _at in storage.blob_store().list_blobs()}


def referenced_by_a_row(sha: str) -> None:
    db.session.add(Job(kind='test', key=sha, created_at=clock.now(), result_sha256=sha))
    db.session.commit()


def leave_unfinished_upload(app) -> None:
    """What a process killed mid-upload leaves behind."""
    store = storage.blob_store()
    if isinstance(store, S3Store):
        store.client.create_multipart_upload(
            Bucket=store.bucket, Key=store.key('c' * 64), ChecksumAlgorithm='SHA256'
        )
        store.spool_dir.mkdir(parents=True, exist_ok=True)
        leftover = store.spool_dir / 'up-killed'
    else:
        incoming = store.root / 'incoming'
        incoming.mkdir(parents=True, exist_ok=True)
        leftover = incoming / 'up-killed'
    leftover.write_bytes(b'half')
    old = time.time() - 7 * 3600
    os.utime(leftover, (old, old))


def test_the_store_lists_and_deletes(app):
    a, b = put(b'first'), put(b'second')
    assert stored() == {a, b}
    storage.blob_store().delete(a)
    storage.blob_store().delete(a)  # twice is fine
    assert stored() == {b}
    assert not storage.blob_store().exists(a)
    with pytest.raises(FileNotFoundError):
        storage.blob_store().open(a)


def test_blobs_sweep_removes_only_old_orphans(app):
    kept, orphan = put(b'a bid with its row'), put(b'a bid whose row never committed')
    referenced_by_a_row(kept)
    leave_unfinished_upload(app)
    runner = app.test_cli_runner()

    young = runner.invoke(args=['lpse', 'blobs-sweep'])  # default: older than 6 hours
    assert young.exit_code == 0, young.output
    assert 'removed 0 orphan blob(s)' in young.output
    assert stored() == {kept, orphan}

    dry = runner.invoke(args=['lpse', 'blobs-sweep', '--older-than', '0', '--dry-run'])
    assert dry.exit_code == 0, dry.output
    assert f'orphan blob {orphan}' in dry.output and kept not in dry.output
    assert 'would remove 1 orphan blob(s)' in dry.output
    assert stored() == {kept, orphan}

    done = runner.invoke(args=['lpse', 'blobs-sweep', '--older-than', '0'])
    assert done.exit_code == 0, done.output
    assert 'removed 1 orphan blob(s)' in done.output
    assert stored() == {kept}
    with storage.blob_store().open(kept) as fh:
        assert fh.read() == b'a bid with its row'
    again = runner.invoke(args=['lpse', 'blobs-sweep', '--older-than', '0'])
    assert 'removed 0 orphan blob(s), 0 unfinished upload(s)' in again.output


def test_blobs_sweep_clears_unfinished_uploads(app):
    leave_unfinished_upload(app)
    result = app.test_cli_runner().invoke(args=['lpse', 'blobs-sweep', '--older-than', '0'])
    assert result.exit_code == 0, result.output
    # the temp file; on S3 also the multipart upload, which is aborted
    expected = 2 if isinstance(storage.blob_store(), S3Store) else 1
    assert f'{expected} unfinished upload(s)' in result.output
    store = storage.blob_store()
    if isinstance(store, S3Store):
        assert not store.client.list_multipart_uploads(Bucket=store.bucket).get('Uploads')


def test_blobs_sweep_refuses_a_bad_age(app):
    result = app.test_cli_runner().invoke(args=['lpse', 'blobs-sweep', '--older-than', '-1'])
    assert result.exit_code == 2
    assert '--older-than' in result.output


def test_the_sweep_reads_the_rows_again_before_each_delete(app):
    """A row committed after the sweep's first look keeps its blob."""
    late, orphan = put(b'its row commits while the sweep runs'), put(b'no row ever')
    store = storage.blob_store()
    asked = []

    def still_unreferenced(sha):
        asked.append(sha)
        if sha == late:
            referenced_by_a_row(late)
        return not storage.is_referenced(db.session, sha)

    removed, _ = storage.sweep(store, set(), older_than=0, still_unreferenced=still_unreferenced)
    assert removed == [orphan] and sorted(asked) == sorted([late, orphan])
    assert stored() == {late}


def test_storing_bytes_again_makes_them_young_for_the_sweep(app):
    store = storage.blob_store()
    sha = put(b'resubmitted')
    if isinstance(store, S3Store):
        # S3 cannot be given an old date: remove it between the store's look and its touch,
        # as a sweep could, and the store writes it again.
        real_head, swept = store._head, []

        def head_then_swept(key):
            found = real_head(key)
            if found is not None and not swept:
                store.client.delete_object(Bucket=store.bucket, Key=key)
                swept.append(key)
            return found

        store._head = head_then_swept
        assert store.put_stream(io.BytesIO(b'resubmitted'), max_size=100)[0] == sha
        assert swept == [store.key(sha)]
        with store.open(sha) as fh:
            assert fh.read() == b'resubmitted'
    else:
        old = time.time() - 30 * 24 * 3600
        os.utime(store.path(sha), (old, old))
        assert put(b'resubmitted') == sha
        assert store.stored_at(sha) > old + 29 * 24 * 3600  # touched
        store.path(sha).unlink()
    assert storage.blob_store().stored_at('d' * 64) is None
