"""The opening's streaming package reader decides exactly as lpse.bids.package.read_package —
same refusals with the same codes, same bid, same attachment hashes — on a real package, its
variants and hundreds of mutations, given the bytes or a memoryview of them (an envelope opened
in place); and it keeps only the bytes asked for."""

import random

import pytest

from lpse.bids.errors import PackageError
from lpse.bids.package import read_package
from lpse.opening import stream_package

from .conftest import make_bid


def _decision(reader, data):
    try:
        package = reader(data)
    except PackageError as exc:
        return ('refused', type(exc).__name__, exc.code)
    return ('read', package.bid, tuple((a.name, a.sha256) for a in package.attachments))


def test_the_streaming_reader_decides_as_read_package(tender, bidder):
    good = make_bid(
        tender,
        bidder,
        attachments=[('surat.pdf', b'%PDF-1.7 ' + bytes(range(256)) * 300), ('b.txt', b'teks')],
    )
    samples = [good, good[:-1], good + b'x', b'', b'PK\x05\x06' + b'\0' * 18]
    rng = random.Random(6)
    for _ in range(300):
        mutated = bytearray(good)
        for _ in range(rng.randint(1, 4)):
            mutated[rng.randrange(len(mutated))] = rng.randrange(256)
        samples.append(bytes(mutated))
    outcomes = set()
    for sample in samples:
        expected = _decision(read_package, sample)
        assert _decision(stream_package.read_package, sample) == expected
        assert _decision(stream_package.read_package, memoryview(sample)) == expected  # in place
        outcomes.add(expected[0] if expected[0] == 'read' else expected[2])
    assert 'read' in outcomes and len(outcomes) > 3  # the mutations reach several checks


def test_only_the_wanted_attachment_is_kept(tender, bidder):
    pdf = b'%PDF-1.7 ' + b'isi' * 1000
    data = make_bid(tender, bidder, attachments=[('a.pdf', pdf), ('b.txt', b'teks')])
    package = stream_package.read_package(data)
    assert package.bid['attachments'] and all(a.data == b'' for a in package.attachments)
    wanted = stream_package.read_package(data, want='a.pdf')
    assert wanted.attachment('a.pdf').data == pdf and wanted.attachment('b.txt').data == b''


@pytest.mark.parametrize('name', ['bid.json', 'tidak-ada.pdf'])
def test_wanting_a_missing_or_internal_name_keeps_nothing_extra(tender, bidder, name):
    data = make_bid(tender, bidder)
    package = stream_package.read_package(data, want=name)
    assert all(a.data == b'' for a in package.attachments)
