"""Open contracting data (DOMAIN §7, docs/OPEN_DATA.md): every public change of a tender as an
OCDS 1.1.5 release with the bids extension, derived from the audit log; records compiled from
them, the public API and the yearly bulk files."""
