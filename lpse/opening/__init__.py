"""The bid opening ceremony: k-of-n share release, verified opening, the published tender key,
the opening minutes (issue #6)."""
