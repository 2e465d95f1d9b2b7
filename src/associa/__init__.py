"""associa: an open-source associative analytics engine that speaks Qlik's QIX protocol."""

__version__ = "0.1.0"


def __getattr__(name: str) -> object:
    """``associa.connect`` and ``associa.open_app``: the client's, imported on first use
    (the engine does not need the client)."""
    if name in ("connect", "open_app"):
        from associa import client

        return getattr(client, name)
    raise AttributeError(f"module 'associa' has no attribute {name!r}")
