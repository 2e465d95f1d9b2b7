"""associa: an open-source associative analytics engine that speaks Qlik's QIX protocol."""

__version__ = "0.1.0"
