"""Skeletons (lpse.crypto.der_view): the DER of a structure with one large value emptied is
exactly the DER of the same structure built with that value empty, whatever the lengths."""

import os

import pytest
from asn1crypto import cms

from lpse.crypto import der_view, envelope, envelope_stream
from lpse.crypto.signed_data import _walk_signed

SIZES = [0, 1, 100, 127, 128, 200, 255, 256, 65_535, 65_536, 70_000, 1 << 24]


@pytest.mark.parametrize('size', SIZES)
def test_an_envelope_skeleton_is_the_envelope_with_an_empty_ciphertext(tender, size):
    mac = os.urandom(16)
    key = os.urandom(384)
    full = envelope._build_envelope(tender.cert, key, b'n' * 12, os.urandom(size) + mac).dump()
    empty = envelope._build_envelope(tender.cert, key, b'n' * 12, mac).dump()
    layout = envelope_stream._walk(full)
    ct = layout.ciphertext
    assert (ct.end - ct.value) == size
    assert der_view.skeleton(full[: ct.value], full[ct.end :], layout.path, ct) == empty


@pytest.mark.parametrize('size', SIZES)
def test_a_signed_data_skeleton_is_the_signed_data_with_empty_content(size):
    def signed(content):
        return cms.ContentInfo(
            {
                'content_type': 'signed_data',
                'content': {
                    'version': 'v1',
                    'digest_algorithms': [{'algorithm': 'sha256'}],
                    'encap_content_info': {'content_type': 'data', 'content': content},
                    'signer_infos': [],
                },
            }
        ).dump()

    full = signed(os.urandom(size))
    path, content = _walk_signed(memoryview(full))
    skeleton = der_view.skeleton(full[: content.value], full[content.end :], path, content)
    assert skeleton == signed(b'')


@pytest.mark.parametrize(
    'data',
    [b'', b'\x30', b'\x30\x80\x00\x00', b'\x31\x00', b'\x30\x85\x00\x00\x00\x00\x01\x00'],
)
def test_what_the_walker_does_not_handle_is_a_shape_error(data):
    with pytest.raises(der_view.Shape):
        envelope_stream._walk(data)
    with pytest.raises(der_view.Shape):
        _walk_signed(memoryview(data))
