# The fake Google and its fixtures live in fake_google.py so other suites (the browser
# tests) can import them the same way.
from accounts.tests.fake_google import fake_google, fake_google_server  # noqa: F401
