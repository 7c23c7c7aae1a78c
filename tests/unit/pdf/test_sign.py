"""PAdES signing with the system certificate, and what verification says about changed files."""

import datetime as dt
from io import BytesIO

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pypdf import PdfReader

from lpse.pdf import sign_pdf, verify_pdf

from .conftest import NOW

SIGNED_AT = NOW + dt.timedelta(minutes=2, seconds=3, microseconds=456)


@pytest.fixture(scope='session')
def signed_pdf(sample_pdf, system, ca) -> bytes:
    return sign_pdf(
        sample_pdf,
        key=system.key,
        cert=system.cert,
        chain=(ca.cert,),
        reason='Dokumen resmi LPSE',
        now=SIGNED_AT,
    )


def _verify(pdf, ca, system):
    return verify_pdf(pdf, ca_cert=ca.cert, system_certs=[system.cert])


def test_signed_document_verifies(signed_pdf, ca, system):
    result = _verify(signed_pdf, ca, system)
    assert result.reason_if_invalid is None
    assert result.valid and result.intact
    assert result.coverage == 'entire_file'
    assert result.signer_subject == system.cert.subject.rfc4514_string()
    assert result.signed_at == SIGNED_AT.replace(microsecond=0)


def test_signature_is_pades_rsa_pss_sha256_dated_now(signed_pdf):
    embedded = PdfFileReader(BytesIO(signed_pdf)).embedded_signatures[0]
    assert embedded.sig_object['/SubFilter'] == '/ETSI.CAdES.detached'
    assert embedded.sig_object['/Reason'] == 'Dokumen resmi LPSE'
    assert embedded.sig_object['/Location'] == 'Indonesia'
    assert generic.parse_pdf_date(embedded.sig_object['/M']) == SIGNED_AT.replace(microsecond=0)
    signer_info = embedded.signer_info
    assert signer_info['signature_algorithm']['algorithm'].native == 'rsassa_pss'
    assert signer_info['digest_algorithm']['algorithm'].native == 'sha256'
    attrs = {attr['type'].native for attr in signer_info['signed_attrs']}
    assert 'signing_certificate_v2' in attrs  # PAdES B-B: ESS signing-certificate-v2 ...
    assert 'signing_time' not in attrs  # ... and the time in /M, not in the CMS


def test_signing_appends_to_the_rendered_bytes_and_keeps_metadata(sample_pdf, signed_pdf):
    assert signed_pdf.startswith(sample_pdf)
    meta = PdfReader(BytesIO(signed_pdf)).metadata
    assert meta['/Producer'] == PdfReader(BytesIO(sample_pdf)).metadata['/Producer']
    assert meta['/ModDate'].startswith('D:20260105093203')


def test_naive_time_is_refused(sample_pdf, system):
    with pytest.raises(ValueError, match='timezone'):
        sign_pdf(sample_pdf, key=system.key, cert=system.cert, now=dt.datetime(2026, 1, 5))


def test_one_flipped_byte_in_the_signed_range_is_detected(signed_pdf, ca, system):
    tampered = bytearray(signed_pdf)
    tampered[signed_pdf.index(b'stream\n') + 40] ^= 0x01  # inside the first content stream
    result = _verify(bytes(tampered), ca, system)
    assert not result.valid
    assert not result.intact
    assert 'digest mismatch' in result.reason_if_invalid


def test_an_incremental_update_after_signing_is_reported(signed_pdf, ca, system):
    writer = IncrementalPdfFileWriter(BytesIO(signed_pdf))
    page = writer.root['/Pages']['/Kids'][0]
    note = generic.DictionaryObject(
        {
            generic.NameObject('/Type'): generic.NameObject('/Annot'),
            generic.NameObject('/Subtype'): generic.NameObject('/Text'),
            generic.NameObject('/Rect'): generic.ArrayObject(
                [generic.NumberObject(n) for n in (72, 72, 96, 96)]
            ),
            generic.NameObject('/Contents'): generic.TextStringObject('Harga diubah'),
        }
    )
    page['/Annots'] = generic.ArrayObject([writer.add_object(note)])
    writer.update_container(page)
    out = BytesIO()
    writer.write(out)
    assert len(out.getvalue()) > len(signed_pdf)
    result = _verify(out.getvalue(), ca, system)
    assert result.intact  # the signed revision itself is untouched ...
    assert not result.valid  # ... but the file is not the one that was signed
    assert result.coverage == 'entire_revision'
    assert 'whole file' in result.reason_if_invalid


def test_a_certificate_from_another_ca_is_not_trusted(sample_pdf, rogue, other_ca, ca, system):
    forged = sign_pdf(sample_pdf, key=rogue.key, cert=rogue.cert, chain=(other_ca.cert,), now=NOW)
    result = _verify(forged, ca, system)
    assert result.intact
    assert not result.valid
    assert 'not trusted under this LPSE CA (NO_CERTIFICATE_CHAIN_FOUND)' in result.reason_if_invalid
    assert result.signer_subject == system.cert.subject.rfc4514_string()  # names prove nothing
    # checked against the look-alike CA it passes: the trust root is the only difference
    assert verify_pdf(forged, ca_cert=other_ca.cert, system_certs=[rogue.cert]).valid


def test_a_vendor_certificate_of_the_same_ca_is_not_the_system(sample_pdf, vendor, ca, system):
    forged = sign_pdf(sample_pdf, key=vendor.key, cert=vendor.cert, chain=(ca.cert,), now=NOW)
    result = _verify(forged, ca, system)
    assert result.intact
    assert not result.valid
    assert 'not the system certificate' in result.reason_if_invalid
    assert verify_pdf(forged, ca_cert=ca.cert, system_certs=[vendor.cert]).valid


def test_unsigned_and_unreadable_files_are_invalid(sample_pdf, ca, system):
    unsigned = _verify(sample_pdf, ca, system)
    assert not unsigned.valid
    assert 'found 0' in unsigned.reason_if_invalid
    garbage = _verify(b'not a pdf at all', ca, system)
    assert not garbage.valid
    assert 'not a readable PDF' in garbage.reason_if_invalid
