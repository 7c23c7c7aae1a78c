"""Detached CMS signatures in a bundle (the manifest's, each submission's): what they sign."""

from asn1crypto import cms

from lpse.crypto.signed_data import PARSE_ERRORS, VerifiedContent, verify_signature


def verify_detached(signature_der: bytes) -> tuple[bytes, VerifiedContent]:
    """(the SHA-256 the signature signs, its signer), after checking that the signature holds
    over it: the signature's own integrity, apart from whether it signs some given bytes."""
    try:
        info = cms.ContentInfo.load(signature_der)['content']['signer_infos'][0]
        digest = next(
            a['values'][0].native
            for a in info['signed_attrs']
            if a['type'].native == 'message_digest'
        )
    except (*PARSE_ERRORS, StopIteration) as exc:
        raise ValueError(f'not a detached CMS signature ({type(exc).__name__})') from None
    return digest, verify_signature(signature_der, detached_sha256=digest)
