"""Container health check: exit 0 when /healthz answers 200 (HEALTHCHECK and compose run this).

It asks gunicorn directly over plain HTTP (/healthz is exempt from the HTTPS redirect), with a
Host header Django accepts: the first of DJANGO_ALLOWED_HOSTS. No curl in the image.
"""

import os
import sys
import urllib.request

hosts = [h.strip().lstrip(".") for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "").split(",")]
host = next((h for h in hosts if h and h != "*"), "localhost")
bind = os.environ.get("GUNICORN_BIND", "")
port = bind.rsplit(":", 1)[1] if ":" in bind else os.environ.get("PORT", "8000")

# No proxy: an HTTP_PROXY meant for outgoing requests must not catch this one.
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
request = urllib.request.Request(f"http://127.0.0.1:{port}/healthz", headers={"Host": host})
try:
    with opener.open(request, timeout=4) as response:
        status = response.status
except Exception as error:  # any failure means unhealthy: say which
    sys.exit(f"unhealthy: {error}")
sys.exit(0 if status == 200 else f"unhealthy: /healthz answered {status}")
