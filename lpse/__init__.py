"""LPSE: an open-source e-procurement (tender) system for Indonesian government agencies."""


def create_app(config=None):
    """Build the Flask application; ``config`` is a config class or a dict of overrides."""
    from lpse.app import build_app

    return build_app(config)
