"""LPSE: an open-source e-procurement (tender) system for Indonesian government agencies."""

import warnings

# pyHanko imports the DSA key types, and cryptography 46+ warns on that import — on every
# `flask` command and server start. LPSE never uses DSA; the warning only hides real output.
warnings.filterwarnings('ignore', message='DSA is deprecated', module='pyhanko')


def create_app(config=None):
    """Build the Flask application; ``config`` is a config class or a dict of overrides."""
    from lpse.app import build_app

    return build_app(config)
