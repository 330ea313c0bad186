"""Running wrk and reading its output."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from harness import fail

SCRIPT = Path(__file__).with_name("requests.lua")
THREADS = 1  # wrk shares the 2 cores with gunicorn and PostgreSQL; one thread is plenty
UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str | None) -> float | None:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", (text or "").strip())
    return float(match.group(1)) * UNITS[match.group(2)] if match else None


def parse(text: str) -> dict:
    rps = re.search(r"Requests/sec:\s+([\d.]+)", text)
    if not rps:
        fail(f"could not read wrk's output: {text.strip()[-300:]}")
    requests = re.search(r"(\d+) requests in", text)
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    latency = dict(re.findall(r"^\s+(50|99)%\s+(\S+)", text, re.M))
    script = re.search(r"bench-requests: done=(\d+) others=(\d+)", text)
    detail = (
        dict(zip(("connect", "read", "write", "timeout"), map(int, sockets.groups()), strict=True))
        if sockets
        else {}
    )
    return {
        "rps": float(rps.group(1)),
        "requests": int(requests.group(1)) if requests else 0,
        "non_2xx_3xx": int(non2xx.group(1)) if non2xx else 0,
        "socket_errors": sum(detail.values()),
        "socket_detail": detail,
        "p50_ms": _ms(latency.get("50")),
        "p99_ms": _ms(latency.get("99")),
        "done": int(script.group(1)) if script else None,
        "others": int(script.group(2)) if script else None,
    }


def run(base: str, path: str, connections: int, seconds: int, headers: dict, requests=None) -> dict:
    """wrk on ``base + path`` for ``seconds``; with ``requests`` (file, order, statuses), the
    requests come from that file through requests.lua."""
    cmd = ["wrk", f"-t{THREADS}", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s"]
    for name, value in headers.items():
        cmd += ["-H", f"{name}: {value}"]
    if requests:
        cmd += ["-s", SCRIPT]
    cmd.append(base + path)
    if requests:
        cmd += ["--", *requests]
    result = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=seconds + 60)
    if result.returncode != 0:
        fail(f"wrk failed: {result.stderr.strip()[-300:]}")
    return parse(result.stdout)
