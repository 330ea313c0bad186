"""Request bodies are bounded before anything reads them (hundreddays/bodylimit.py).

The finding: an anonymous 400 MB multipart POST to /accounts/login/ got its 403 from the CSRF
check only after 394 MB had been written to the temp directory. Here the same POST goes to a
live server over a real socket while a watcher measures the temp directory: the 413 arrives
while the client is still sending, and not a byte reaches the disk.
"""

from __future__ import annotations

import os
import select
import socket
import threading
import time
from http.cookies import SimpleCookie
from urllib.request import urlopen

import pytest
from django.conf import settings
from django.test import Client

pytestmark = pytest.mark.django_db

CLAIMED = 400 * 1024 * 1024
CHUNK = b"x" * 65536
BOUNDARY = "----hundreddays"


class DirWatcher:
    """The largest number of bytes seen in a directory, polled every 5 ms."""

    def __init__(self, path):
        self.path, self.largest, self._stop = path, 0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _size(self):
        total = 0
        for entry in os.scandir(self.path):
            try:
                total += entry.stat().st_size
            except FileNotFoundError:
                pass
        return total

    def _run(self):
        while not self._stop.is_set():
            self.largest = max(self.largest, self._size())
            time.sleep(0.005)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def _csrf_cookie(base):
    with urlopen(f"{base}/accounts/login/") as response:  # noqa: S310 - the live server
        cookie = SimpleCookie(response.headers.get("Set-Cookie"))
    return cookie[settings.CSRF_COOKIE_NAME].value


def post_streaming(live_server, path, *, declared, send_at_most, chunked=False, wait=None):
    """Send headers, then the body a chunk at a time until the server answers or it is all sent.

    Returns the status line's code and how many body bytes were sent before the answer. With
    ``wait``, the client stops after ``send_at_most`` bytes, waits that long and hangs up.
    """
    token = _csrf_cookie(live_server.url)
    host, port = live_server.thread.host, live_server.thread.port
    head = [
        f"POST {path} HTTP/1.1",
        f"Host: {host}:{port}",
        f"Cookie: {settings.CSRF_COOKIE_NAME}={token}",
        f"Content-Type: multipart/form-data; boundary={BOUNDARY}",
        f"Referer: {live_server.url}/accounts/login/",
    ]
    head.append("Transfer-Encoding: chunked" if chunked else f"Content-Length: {declared}")
    preamble = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="csrfmiddlewaretoken"\r\n\r\n{token}\r\n'
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    sent = 0
    answer = b""
    with socket.create_connection((host, port), timeout=30) as sock:
        sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode())
        sock.setblocking(False)
        pending = preamble
        while sent < send_at_most:
            readable, writable, _ = select.select([sock], [sock], [], 5)
            if readable:
                break
            if writable:
                data = pending or CHUNK
                if chunked:
                    data = b"%x\r\n%s\r\n" % (len(data), data)
                try:
                    n = sock.send(data)
                except (BrokenPipeError, ConnectionResetError):
                    break
                sent += n
                pending = data[n:] if pending else b""
        if wait is not None:
            time.sleep(wait)
            return None, sent
        sock.setblocking(True)
        deadline = time.monotonic() + 20
        while b"\r\n" not in answer and time.monotonic() < deadline:
            try:
                part = sock.recv(65536)
            except ConnectionResetError:
                break
            if not part:
                break
            answer += part
    status = int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/") else None
    return status, sent


@pytest.fixture
def temp_dir(settings, tmp_path):
    """Uploads spill to this directory from their first byte, so anything read would show."""
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 0
    return tmp_path


@pytest.mark.django_db(transaction=True)
def test_a_400_mb_post_is_refused_while_it_is_sent_and_nothing_is_written(live_server, temp_dir):
    with DirWatcher(temp_dir) as watcher:
        status, sent = post_streaming(live_server, "/accounts/login/", declared=CLAIMED, send_at_most=CLAIMED)
    assert status == 413
    # The answer came while the body was being sent: at most what the sockets buffer, not 400 MB.
    assert sent < 32 * 1024 * 1024, sent
    assert watcher.largest == 0


@pytest.mark.django_db(transaction=True)
def test_a_body_longer_than_declared_or_chunked_is_not_read_past_the_declared_length(live_server, temp_dir):
    with DirWatcher(temp_dir) as watcher:
        # Declares 100 KB (under the limit) and keeps sending: the server reads 100 KB and answers.
        status, sent = post_streaming(
            live_server, "/accounts/login/", declared=100 * 1024, send_at_most=CLAIMED
        )
        assert status is not None and status < 500
        assert sent < 32 * 1024 * 1024, sent
        # No length at all: Django reads none of it.
        status, sent = post_streaming(live_server, "/log/", declared=None, send_at_most=CLAIMED, chunked=True)
        assert status is not None and status < 500
        assert sent < 32 * 1024 * 1024, sent
    assert watcher.largest <= 100 * 1024


@pytest.mark.django_db(transaction=True)
def test_the_watcher_sees_an_upload_that_is_read(live_server, temp_dir, settings):
    """The control: with the limit out of the way, the same kind of POST does reach the disk.

    Two of its three declared megabytes are sent, then the client waits: the server has
    streamed what it got into the temp directory, where the watcher sees it.
    """
    settings.REQUEST_MAX_BYTES = 10 * 1024 * 1024
    with DirWatcher(temp_dir) as watcher:
        status, sent = post_streaming(
            live_server, "/accounts/login/", declared=3 * 1024 * 1024, send_at_most=2 * 1024 * 1024, wait=1.0
        )
    assert status is None and sent >= 2 * 1024 * 1024
    assert watcher.largest > 1024 * 1024, watcher.largest


# --- Through Django's test client: the limits and the page ---------------------------------


def _declared(client, path, size, **extra):
    return client.generic(
        "POST", path, b"", content_type="application/x-www-form-urlencoded", CONTENT_LENGTH=str(size), **extra
    )


def test_every_path_has_the_default_limit_and_the_import_its_own(auth_client):
    limit = settings.REQUEST_MAX_BYTES
    for path in ("/log/", "/rounds/new/", "/account/", "/accounts/login/", "/account/language/", "/nowhere/"):
        response = _declared(auth_client, path, limit + 1)
        assert response.status_code == 413, path
        assert "nothing was saved" in response.content.decode()
    assert _declared(auth_client, "/import/", limit + 1).status_code != 413
    assert _declared(auth_client, "/import/", settings.IMPORT_REQUEST_MAX_BYTES + 1).status_code == 413


def test_a_form_at_the_limit_goes_through(auth_client, user):
    from journal.tests.factories import make_round

    make_round(user, days_ago=3)
    body = "x" * 20_000
    response = auth_client.post(
        "/log/", {"round": 1, "date": "2000-01-01", "progress": body, "thoughts": body}
    )
    assert response.status_code == 400  # the form again, with the date's error: it was read


def test_the_413_page_is_in_the_visitors_language():
    response = _declared(
        Client(), "/accounts/login/", settings.REQUEST_MAX_BYTES + 1, HTTP_ACCEPT_LANGUAGE="es"
    )
    assert response.status_code == 413
    assert "no se ha guardado nada" in response.content.decode()
