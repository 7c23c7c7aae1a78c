"""Core cryptography: instance PKI, sealed-bid envelopes, k-of-n tender-key custody and the
transparency log's Merkle tree, signed notes and tiles."""
