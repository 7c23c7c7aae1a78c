"""Core cryptography: instance PKI, sealed-bid envelopes and k-of-n tender-key custody."""
