"""Security tests (issue 8): ownership sweep, XSS battery, sessions, redirects, rate limits, uploads."""
