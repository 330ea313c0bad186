"""Running wrk and reading its output."""

from __future__ import annotations

import re
from pathlib import Path

import harness

SCRIPT = Path(__file__).with_name("requests.lua")
UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str | None) -> float | None:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text or "")
    return float(match.group(1)) * UNITS[match.group(2)] if match else None


def _int(pattern: str, text: str, default: int | None = 0) -> int | None:
    match = re.search(pattern, text)
    return int(match.group(1)) if match else default


def run(base: str, connections: int, seconds: int, path: str, headers: dict, requests=None) -> dict:
    """wrk on ``base + path`` for ``seconds``, one thread (it shares the 2 cores with gunicorn and
    PostgreSQL); with ``requests`` (file, order, statuses), the requests come from that file
    through requests.lua."""
    cmd = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s"]
    cmd += [arg for name, value in headers.items() for arg in ("-H", f"{name}: {value}")]
    cmd += ["-s", SCRIPT, base + path, "--", *requests] if requests else [base + path]
    text = harness.run(cmd, timeout=seconds + 60).stdout
    rps = re.search(r"Requests/sec:\s+([\d.]+)", text)
    harness.expect(rps, f"could not read wrk's output: {text.strip()[-300:]}")
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    names = ("connect", "read", "write", "timeout")
    detail = dict(zip(names, map(int, sockets.groups()), strict=True)) if sockets else {}
    latency = dict(re.findall(r"^\s+(50|99)%\s+(\S+)", text, re.M))
    return {
        "rps": float(rps.group(1)),
        "p50_ms": _ms(latency.get("50")),
        "p99_ms": _ms(latency.get("99")),
        "requests": _int(r"(\d+) requests in", text),
        "non_2xx_3xx": _int(r"Non-2xx or 3xx responses:\s+(\d+)", text),
        "socket_errors": sum(detail.values()),
        "socket_detail": detail,
        "done": _int(r"bench-requests: done=(\d+)", text, None),
        "others": _int(r"bench-requests: done=\d+ others=(\d+)", text, None),
    }
