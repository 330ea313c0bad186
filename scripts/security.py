"""Security checks that are scripts rather than tests (those are in tests/security, run by make test).

1. bandit (pinned in requirements-dev.txt) on the app's code, tests and migrations aside: no
   high-severity finding (medium and low are listed);
2. the local semgrep rules (scripts/security/semgrep.yml only: no registry, no metrics), first each
   rule against its cases (scripts/security/semgrep_cases: what must be flagged, what must pass),
   then on the code: no finding. semgrep lives in a virtual environment of its own
   (scripts/security/requirements-semgrep.txt), made once under ~/.cache/hundreddays/;
3. the production configuration over TLS on 127.0.0.1, scanned by the MDN HTTP Observatory
   (pinned in scripts/security/node/package-lock.json): grade A+, no failed test. nginx terminates
   TLS on 443 with a certificate from a throwaway test CA made here, and passes port 80 through, so
   the redirect to HTTPS is the app's own (SECURE_SSL_REDIRECT); gunicorn trusts X-Forwarded-Proto
   from 127.0.0.1. Nothing else is changed for the scan: the headers scored are production's.

    .venv/bin/python scripts/security.py [--doc]

``--doc`` rewrites the measured block of docs/security.md from this run. About a minute (two the
first time, while semgrep and the scanner are installed). Needs root (ports 80 and 443), PostgreSQL
on 127.0.0.1:5432 and Node >= 20; nginx, openssl, node and npm are installed with apt if missing.
"""

from __future__ import annotations

import collections
import http.client
import json
import os
import shutil
import socket
import ssl
import subprocess
import sys

from harness import BIN, ROOT, Harness, check_main, expect, fail, fetch, ok, run, step, write_measured

SECURITY = ROOT / "scripts" / "security"
NODE_DIR = SECURITY / "node"
OBSERVATORY = NODE_DIR / "node_modules" / "@mdn" / "mdn-http-observatory"
HOST = "127.0.0.1"
os.environ.update(
    SEMGREP_SEND_METRICS="off", SEMGREP_ENABLE_VERSION_CHECK="0", PIP_DISABLE_PIP_VERSION_CHECK="1"
)


def output(cmd, **kwargs) -> str:
    """A command's stdout (its stderr dropped), whatever its exit status."""
    kwargs = {"stderr": subprocess.DEVNULL, "cwd": ROOT, **kwargs}
    return subprocess.run([str(c) for c in cmd], stdout=subprocess.PIPE, text=True, **kwargs).stdout


def bandit(h: Harness, measured: dict) -> None:
    step("bandit")
    if run([BIN / "python", "-m", "bandit", "--version"], check=False).returncode:
        run(
            [
                BIN / "pip",
                "install",
                "--quiet",
                *[p for p in (ROOT / "requirements-dev.txt").read_text().split() if p.startswith("bandit==")],
            ]
        )
    report_path = h.tmp / "bandit.json"
    code = ["accounts", "journal", "hundreddays", "api", "cli"]
    run(
        [
            BIN / "python",
            "-m",
            "bandit",
            "-r",
            *code,
            "-x",
            "*/tests/*,*/migrations/*",
            "-q",
            "-f",
            "json",
            "-o",
            report_path,
        ],
        check=False,
    )
    report = json.loads(report_path.read_text())
    expect(not report.get("errors"), f"bandit could not read: {report.get('errors')}")
    results, totals = report["results"], report["metrics"]["_totals"]
    for r in sorted(results, key=lambda r: ("HIGH", "MEDIUM", "LOW").index(r["issue_severity"])):
        print(
            f"    {r['issue_severity']:<6} {r['test_id']} {r['filename']}:{r['line_number']}  {r['issue_text']}"
        )
    high = sum(r["issue_severity"] == "HIGH" for r in results)
    medium, low = int(totals["SEVERITY.MEDIUM"]), int(totals["SEVERITY.LOW"])
    print(f"    {int(totals['loc'])} lines scanned: {high} high, {medium} medium, {low} low")
    expect(not high, f"{high} high-severity bandit finding(s)")
    version = output([BIN / "python", "-m", "bandit", "--version"]).split()[1]
    ok(f"bandit {version}: no high-severity finding")
    kinds = collections.Counter(
        (r["test_id"], r["filename"]) for r in results if r["issue_severity"] == "MEDIUM"
    )
    where = ", ".join(f"{n}× {test} in `{path}`" for (test, path), n in sorted(kinds.items()))
    measured["bandit"] = (
        f"bandit {version}",
        f"**0 high-severity**; {medium} medium{f' ({where})' if where else ''} and {low} low",
    )


def semgrep(h: Harness, measured: dict) -> None:
    step("semgrep (local rules only)")
    requirements = SECURITY / "requirements-semgrep.txt"
    pin = next(line for line in requirements.read_text().splitlines() if line.startswith("semgrep=="))
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")
    venv = ROOT.joinpath(cache, "hundreddays", pin.replace("==", "-"))
    binary = venv / "bin" / "semgrep"
    if not binary.exists() or run([binary, "--version"], check=False).returncode:
        shutil.rmtree(venv, ignore_errors=True)
        run([BIN / "python", "-m", "venv", venv])
        run([venv / "bin" / "pip", "install", "--quiet", "-r", requirements])
    scan = [binary, "scan", "--metrics=off", "--disable-version-check", "--quiet"]

    # The rules against their cases. semgrep's test mode takes one file at a time, named like the rules.
    cases = h.tmp / "cases"
    cases.mkdir()
    shutil.copy(SECURITY / "semgrep.yml", cases)
    for case in sorted((SECURITY / "semgrep_cases").glob("semgrep.*")):
        shutil.copy(case, cases)
        report = json.loads(
            output([*scan, "--test", "--json", "--config", "semgrep.yml", case.name], cwd=cases)
        )
        checks = {
            rule: check for config in report["results"].values() for rule, check in config["checks"].items()
        }
        expect(checks and not report.get("config_with_errors"), f"semgrep test mode on {case.name}: {report}")
        for rule, check in sorted(checks.items()):
            for match in check["matches"].values():
                expected, reported = set(match["expected_lines"]), set(match["reported_lines"])
                line = f"    {'ok' if check['passed'] else 'FAIL':<4} {rule}: {len(expected)} line(s) to flag in {case.name}"
                if expected != reported:
                    line += f", missed {sorted(expected - reported)}, wrongly flagged {sorted(reported - expected)}"
                print(line)
        expect(all(c["passed"] for c in checks.values()), f"a semgrep rule does not do what {case.name} says")

    report_path = h.tmp / "semgrep.json"
    excludes = [arg for glob in ("*/tests/*", "*/migrations/*", "test_*.py") for arg in ("--exclude", glob)]
    code = ["accounts", "journal", "hundreddays", "api", "templates"]
    run(
        [*scan, "--config", SECURITY / "semgrep.yml", "--json", "--output", report_path, *excludes, *code],
        check=False,
    )
    report = json.loads(report_path.read_text())
    expect(not report.get("errors"), f"semgrep errors: {report.get('errors')}")
    for r in report["results"]:
        print(f"    {r['check_id'].rsplit('.', 1)[-1]}  {r['path']}:{r['start']['line']}")
    scanned = report["paths"]["scanned"]
    python = sum(path.endswith(".py") for path in scanned)
    found = len(report["results"])
    print(
        f"    {len(scanned)} files scanned ({python} Python, {len(scanned) - python} templates): {found} finding(s)"
    )
    expect(not found, f"{found} semgrep finding(s)")
    version = output([binary, "--version", "--disable-version-check"]).strip()
    rules = (SECURITY / "semgrep.yml").read_text().count("\n  - id: ")
    ok(f"semgrep {version}: 0 findings")
    measured["semgrep"] = (
        f"semgrep {version}, {rules} local rules",
        f"**0 findings** on {python} Python files and {len(scanned) - python} templates; each rule passes its own cases",
    )


def observatory(h: Harness, measured: dict) -> None:
    step("Tools")
    tools = {"nginx": "nginx", "openssl": "openssl", "node": "nodejs", "npm": "npm"}
    missing = [package for tool, package in tools.items() if not shutil.which(tool)]
    if missing:
        run(["apt-get", "update", "-qq"])
        run(
            ["apt-get", "install", "-y", "-qq", *missing],
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        )
    node = output(["node", "--version"]).strip()
    expect(int(node.lstrip("v").split(".")[0]) >= 20, f"Node >= 20 is needed ({node})")
    installed = NODE_DIR / "node_modules" / ".package-lock.json"
    lock = NODE_DIR / "package-lock.json"
    if not installed.exists() or lock.stat().st_mtime > installed.stat().st_mtime:
        # --ignore-scripts: the postinstall would download the HSTS preload and TLD lists; the
        # empty lists written below stand for them, so nothing leaves the machine.
        run(["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"], cwd=NODE_DIR)
    (OBSERVATORY / "conf" / "hsts-preload.json").write_text("{}\n")
    (OBSERVATORY / "conf" / "tld-list.json").write_text("[]\n")
    version = json.loads((OBSERVATORY / "package.json").read_text())["version"]
    nginx = output(["nginx", "-v"], stderr=subprocess.STDOUT).strip().split(": ")[-1]
    ok(f"{nginx}, {' '.join(output(['openssl', 'version']).split()[:2])}, node {node}, observatory {version}")
    for port in (80, 443):
        with socket.socket() as s:
            expect(
                s.connect_ex((HOST, port)),
                f"something already listens on {HOST}:{port}; the scanner needs both ports",
            )

    step(f"A test CA and a certificate for {HOST} (in {h.tmp}, removed on exit)")
    tls = h.tmp / "tls"
    tls.mkdir()
    ca = ["-subj", "/CN=Hundred Days test CA", "-keyout", tls / "ca.key", "-out", tls / "ca.pem"]
    ca_ext = [
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
    ]
    run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", *ca, *ca_ext])
    run(
        [
            "openssl",
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-subj",
            f"/CN={HOST}",
            "-keyout",
            tls / "server.key",
            "-out",
            tls / "server.csr",
        ]
    )
    (tls / "ext.cnf").write_text(
        f"subjectAltName=IP:{HOST},DNS:localhost\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n"
    )
    sign = ["-CA", tls / "ca.pem", "-CAkey", tls / "ca.key", "-CAcreateserial", "-days", "2", "-sha256"]
    run(
        [
            "openssl",
            "x509",
            "-req",
            "-in",
            tls / "server.csr",
            *sign,
            "-extfile",
            tls / "ext.cnf",
            "-out",
            tls / "server.pem",
        ]
    )
    ok(f"CA and server certificate (SAN IP:{HOST}), valid 2 days")

    step("The app with production settings and the HTTPS redirect on, a fresh migrated database")
    env = h.prod_env(
        DJANGO_SECURE_SSL_REDIRECT="true", DJANGO_TRUSTED_PROXY_COUNT=1, FORWARDED_ALLOW_IPS=HOST
    )
    env["DATABASE_URL"] = h.database(migrate_env=env)
    server = h.gunicorn(env, workers=2)
    ok(f"gunicorn on {server.base}, migrated")

    step(f"nginx: TLS on {HOST}:443, plain HTTP on {HOST}:80, both to the app")
    os.chmod(h.tmp, 0o755)  # nginx's workers run as nobody
    h.nginx(SECURITY / "nginx-tls.conf", port=443, UPSTREAM=f"{HOST}:{server.port}")
    status, headers, _ = fetch(f"http://{HOST}:80", "/")
    redirect = f"{status} {headers.get('location')}"
    expect(
        redirect == f"301 https://{HOST}/",
        f"http://{HOST}/ answered '{redirect}', expected a 301 to https://{HOST}/",
    )
    conn = http.client.HTTPSConnection(
        HOST, 443, timeout=30, context=ssl.create_default_context(cafile=tls / "ca.pem")
    )
    try:
        conn.request("GET", "/")
        status = conn.getresponse().status
    except (OSError, http.client.HTTPException) as error:
        fail(f"https://{HOST}/: {error}")
    finally:
        conn.close()
    expect(status == 200, f"https://{HOST}/ answered {status}")
    ok(
        f"http://{HOST}/ → 301 https://{HOST}/ (the app's redirect); https://{HOST}/ → 200, certificate verified"
    )

    step(f"MDN HTTP Observatory scan of {HOST}")
    scan_env = {**os.environ, "NODE_EXTRA_CA_CERTS": str(tls / "ca.pem")}
    result = subprocess.run(
        ["node", OBSERVATORY / "src" / "scan.js", HOST], env=scan_env, capture_output=True, text=True
    )
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        report = {"error": f"exit {result.returncode}: {(result.stdout + result.stderr).strip()[-500:]}"}
    expect("error" not in report, f"scanner error: {report.get('error')}")
    scan, tests = report["scan"], report["tests"]
    width = max(map(len, tests))
    for name, test in sorted(tests.items()):
        print(
            f"    {'pass' if test['pass'] else 'FAIL'}  {name:<{width}}  {test['scoreModifier']:+3d}  {test['result']}"
        )
    failed = sorted(name for name, test in tests.items() if not test["pass"])
    summary = f"grade {scan['grade']}, score {scan['score']}/100, {scan['testsPassed']} of {scan['testsQuantity']} tests passed"
    print(f"\n    {summary} (algorithm {scan['algorithmVersion']})")
    expect(
        scan["grade"] == "A+" and not failed,
        f"expected A+ with no failed test; {summary}, failed: {failed or 'none'}",
    )
    ok("A+ with every test passed")
    measured["observatory"] = f"MDN HTTP Observatory {version} over TLS", f"**{summary}**"


def security(h: Harness, doc: bool) -> None:
    measured: dict[str, tuple[str, str]] = {}
    bandit(h, measured)
    semgrep(h, measured)
    observatory(h, measured)
    if doc:
        step("docs/security.md")
        rows = [f"| {' | '.join(measured[name])} |" for name in ("observatory", "bandit", "semgrep")]
        write_measured("security", "\n".join(["| check | result |", "| --- | --- |", *rows]))


if __name__ == "__main__":
    args = sys.argv[1:]
    if args not in ([], ["--doc"]):
        sys.exit(f"usage: {sys.argv[0]} [--doc]")
    sys.exit(check_main("Security checks", security, args == ["--doc"]))
