"""Identity on the engine socket: JSON Web Tokens (``tokens``), API keys (``keys``),
``X-Qlik-User`` and ``Authorization`` headers (``headers``), TLS and client
certificates (``tls``), the policy that combines them (``authenticator``) and the
refusal of an upgrade with HTTP 401 (``upgrade``)."""
