"""Prakualifikasi (DOMAIN §9): vendors send signed — not encrypted — qualification data, the
Pokja evaluates it (pass/fail per requirement, a score for consultancy), approves and announces
the result with its own objection window, and only the shortlist may then download the bidding
documents and bid (the prequalified methods' gate, lpse.tenders.methods.prequalified)."""
