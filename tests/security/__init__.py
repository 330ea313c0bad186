"""Security tests, each an attack a visitor could try: ownership sweep, XSS battery, sessions, redirects, rate limits, uploads."""
