"""The QIX protocol, sans I/O: JSON-RPC texts in, texts out."""
