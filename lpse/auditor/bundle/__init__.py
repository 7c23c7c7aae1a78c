"""The tender audit bundle (issue #14): one ZIP holding everything an auditor needs to check a
tender offline — the files, a manifest signed by the system key, the log slice with inclusion
proofs — built by `writer.build_bundle` and checked by `lpse verify-bundle` (`verify`).

The layout (paths inside the ZIP) and the checks are described in docs/VERIFY.md §5."""
