"""Security checks that are scripts rather than tests (those are in tests/security, run by make test).

1. bandit (pinned in requirements-dev.txt) on the app's code, tests and migrations aside: 0 high;
2. the local semgrep rules (scripts/security/semgrep.yml; no registry, no metrics), each first
   against its cases in scripts/security/semgrep_cases (what it must flag, what it must pass), then
   on the code: 0 findings. semgrep has a virtual environment of its own under ~/.cache/hundreddays/;
3. the production settings over TLS on 127.0.0.1 (nginx on 443 with a certificate from a test CA made
   for the run; port 80 passed through, so the redirect to HTTPS is the app's own), scanned by the MDN
   HTTP Observatory pinned in scripts/security/node: grade A+, no failed test.

    .venv/bin/python scripts/security.py [--doc]    # --doc: rewrite docs/security.md's measured block

Needs root (ports 80 and 443), PostgreSQL on 127.0.0.1:5432 and Node >= 20 (apt installs nginx,
openssl, node and npm when missing).
"""

from __future__ import annotations

import collections
import json
import os
import shutil
import socket
import ssl
import sys
import urllib.request
from pathlib import Path

from harness import BIN, ROOT, Harness, apt, check_main, expect, fetch, ok, run, step, write_measured

SECURITY = ROOT / "scripts" / "security"
OBSERVATORY = SECURITY / "node" / "node_modules" / "@mdn" / "mdn-http-observatory"
HOST = "127.0.0.1"
os.environ.update(
    SEMGREP_SEND_METRICS="off", SEMGREP_ENABLE_VERSION_CHECK="0", PIP_DISABLE_PIP_VERSION_CHECK="1"
)


def output(cmd, **kwargs) -> str:
    """A command's stdout (stderr apart), whatever its exit status."""
    return run(cmd, check=False, merge_stderr=False, **kwargs).stdout


def pin(requirements: Path, name: str) -> str:
    return next(line for line in requirements.read_text().splitlines() if line.startswith(f"{name}=="))


def bandit(h: Harness, measured: dict) -> None:
    step("bandit")
    if not output([BIN / "python", "-m", "bandit", "--version"]):
        run([BIN / "pip", "install", "--quiet", pin(ROOT / "requirements-dev.txt", "bandit")])
    code, out = ["accounts", "journal", "cohorts", "hundreddays", "api", "cli"], h.tmp / "bandit.json"
    skip = "*/tests/*,*/migrations/*"
    run([BIN / "python", "-m", "bandit", "-r", *code, "-x", skip, "-q", "-f", "json", "-o", out], check=False)
    report = json.loads(out.read_text())
    expect(not report.get("errors"), f"bandit could not read: {report.get('errors')}")
    results, totals = report["results"], report["metrics"]["_totals"]
    for r in sorted(results, key=lambda r: ("HIGH", "MEDIUM", "LOW").index(r["issue_severity"])):
        where = f"{r['filename']}:{r['line_number']}"
        print(f"    {r['issue_severity']:<6} {r['test_id']} {where}  {r['issue_text']}")
    high = sum(r["issue_severity"] == "HIGH" for r in results)
    medium, low = int(totals["SEVERITY.MEDIUM"]), int(totals["SEVERITY.LOW"])
    print(f"    {int(totals['loc'])} lines scanned: {high} high, {medium} medium, {low} low")
    expect(not high, f"{high} high-severity bandit finding(s)")
    version = output([BIN / "python", "-m", "bandit", "--version"]).split()[1]
    ok(f"bandit {version}: no high-severity finding")
    kinds = collections.defaultdict(list)  # test id: the file of each medium finding
    for r in results:
        if r["issue_severity"] == "MEDIUM":
            kinds[r["test_id"]].append(f"`{Path(r['filename']).name}`")
    by_count = sorted(kinds.items(), key=lambda kind: -len(kind[1]))
    what = "; ".join(f"{len(files)} {test} in {', '.join(dict.fromkeys(files))}" for test, files in by_count)
    what = f" ({what})" if what else ""
    measured["bandit"] = f"bandit {version}", f"**0 high-severity**; {medium} medium{what} and {low} low"


def semgrep(h: Harness, measured: dict) -> None:
    step("semgrep (local rules only)")
    requirements, rules = SECURITY / "requirements-semgrep.txt", SECURITY / "semgrep.yml"
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    venv = cache / "hundreddays" / pin(requirements, "semgrep").replace("==", "-")
    semgrep = venv / "bin" / "semgrep"
    if not semgrep.exists() or not output([semgrep, "--version"]):
        shutil.rmtree(venv, ignore_errors=True)
        run([BIN / "python", "-m", "venv", venv])
        run([venv / "bin" / "pip", "install", "--quiet", "-r", requirements])
    scan = [semgrep, "scan", "--metrics=off", "--disable-version-check", "--quiet"]

    # The rules against their cases. semgrep's test mode takes one file at a time, named like the rules.
    cases = h.tmp / "cases"
    cases.mkdir()
    shutil.copy(rules, cases)
    for case in sorted((SECURITY / "semgrep_cases").glob("semgrep.*")):
        shutil.copy(case, cases)
        report = json.loads(output([*scan, "--test", "--json", "--config", rules.name, case.name], cwd=cases))
        checks = {rule: c for config in report["results"].values() for rule, c in config["checks"].items()}
        expect(checks and not report.get("config_with_errors"), f"semgrep test mode on {case.name}: {report}")
        for rule, check in sorted(checks.items()):
            for match in check["matches"].values():
                expected, reported = set(match["expected_lines"]), set(match["reported_lines"])
                state = "ok" if check["passed"] else "FAIL"
                line = f"    {state:<4} {rule}: {len(expected)} line(s) to flag in {case.name}"
                if expected != reported:
                    line += f", missed {sorted(expected - reported)}, wrongly flagged {sorted(reported - expected)}"
                print(line)
        expect(all(c["passed"] for c in checks.values()), f"a semgrep rule does not do what {case.name} says")

    out, code = h.tmp / "semgrep.json", ["accounts", "journal", "cohorts", "hundreddays", "api", "templates"]
    skip = [arg for glob in ("*/tests/*", "*/migrations/*", "test_*.py") for arg in ("--exclude", glob)]
    run([*scan, "--config", rules, "--json", "--output", out, *skip, *code], check=False)
    report = json.loads(out.read_text())
    expect(not report.get("errors"), f"semgrep errors: {report.get('errors')}")
    for r in report["results"]:
        print(f"    {r['check_id'].rsplit('.', 1)[-1]}  {r['path']}:{r['start']['line']}")
    scanned, found = report["paths"]["scanned"], len(report["results"])
    python = sum(path.endswith(".py") for path in scanned)
    files = f"{python} Python files and {len(scanned) - python} templates"
    print(f"    {files} scanned: {found} finding(s)")
    expect(not found, f"{found} semgrep finding(s)")
    version = output([semgrep, "--version", "--disable-version-check"]).strip()
    ok(f"semgrep {version}: 0 findings")
    count = rules.read_text().count("\n  - id: ")
    measured["semgrep"] = f"semgrep {version}, {count} local rules", f"**0 findings** on {files}"


def observatory(h: Harness, measured: dict) -> None:
    step("Tools")
    apt("nginx", "openssl", "node", "npm")
    node = output(["node", "--version"]).strip()
    expect(int(node.lstrip("v").split(".")[0]) >= 20, f"Node >= 20 is needed ({node})")
    lock = SECURITY / "node" / "package-lock.json"
    installed = lock.parent / "node_modules" / ".package-lock.json"
    if not installed.exists() or lock.stat().st_mtime > installed.stat().st_mtime:
        # Without its postinstall, which downloads the HSTS preload and TLD lists: the empty lists
        # written below stand for them, so nothing leaves the machine.
        run(["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"], cwd=lock.parent)
    (OBSERVATORY / "conf" / "hsts-preload.json").write_text("{}\n")
    (OBSERVATORY / "conf" / "tld-list.json").write_text("[]\n")
    version = json.loads((OBSERVATORY / "package.json").read_text())["version"]
    ok(f"node {node}, observatory {version}")
    for port in (80, 443):
        with socket.socket() as s:
            expect(s.connect_ex((HOST, port)), f"something listens on {HOST}:{port}; the scan needs it")

    step(f"A test CA and a certificate for {HOST} (in {h.tmp}, removed on exit)")
    (tls := h.tmp / "tls").mkdir()
    ca = "basicConstraints=critical,CA:TRUE keyUsage=critical,keyCertSign,cRLSign"
    leaf = f"subjectAltName=IP:{HOST},DNS:localhost extendedKeyUsage=serverAuth basicConstraints=CA:FALSE"
    signed = ["-CA", tls / "ca.pem", "-CAkey", tls / "ca.key"]
    certificates = {"ca": ("Hundred Days test CA", ca, ["-x509"]), "server": (HOST, leaf, signed)}
    new = ["openssl", "req", "-newkey", "rsa:2048", "-nodes", "-days", "2"]
    for name, (subject, extensions, issuer) in certificates.items():
        addext = [arg for ext in extensions.split() for arg in ("-addext", ext)]
        files = ["-keyout", tls / f"{name}.key", "-out", tls / f"{name}.pem"]
        run([*new, "-subj", f"/CN={subject}", *issuer, *addext, *files])
    ok(f"CA and server certificate (SAN IP:{HOST}), valid 2 days")

    step("The app with production settings and its HTTPS redirect on, a fresh migrated database")
    # gunicorn takes X-Forwarded-Proto from 127.0.0.1 (its FORWARDED_ALLOW_IPS default), as behind the proxy.
    env = h.prod_env(DJANGO_SECURE_SSL_REDIRECT="true", DJANGO_TRUSTED_PROXY_COUNT=1)
    env["DATABASE_URL"] = h.database(migrate_env=env)
    app = h.gunicorn(env, workers=2)
    ok(f"gunicorn on {app.base}, migrated")

    step(f"nginx: TLS on {HOST}:443, plain HTTP on {HOST}:80, both to the app")
    os.chmod(h.tmp, 0o755)  # nginx's workers, not root, read and write under it
    h.nginx(SECURITY / "nginx-tls.conf", port=443, UPSTREAM=f"{HOST}:{app.port}")
    status, headers, _ = fetch(f"http://{HOST}:80", "/")
    redirect, https = f"{status} {headers.get('location')}", f"https://{HOST}/"
    expect(redirect == f"301 {https}", f"http://{HOST}/ answered '{redirect}', not 301 {https}")
    try:
        ca_only = ssl.create_default_context(cafile=tls / "ca.pem")
        status = urllib.request.urlopen(https, context=ca_only, timeout=30).status
    except OSError as error:  # URLError and HTTPError among them
        status = error
    expect(status == 200, f"{https} answered {status}")
    ok(f"http://{HOST}/ → 301 {https} (the app's redirect); {https} → 200, certificate verified")

    step(f"MDN HTTP Observatory scan of {HOST}")
    scan_env = {**os.environ, "NODE_EXTRA_CA_CERTS": str(tls / "ca.pem")}
    result = run(["node", OBSERVATORY / "src/scan.js", HOST], env=scan_env, check=False, merge_stderr=False)
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        report = {"error": f"exit {result.returncode}: {(result.stdout + result.stderr).strip()[-500:]}"}
    expect("error" not in report, f"scanner error: {report.get('error')}")
    scan, tests = report["scan"], report["tests"]
    for name, t in sorted(tests.items()):
        print(f"    {'pass' if t['pass'] else 'FAIL'}  {name:<32}  {t['scoreModifier']:+3d}  {t['result']}")
    failed = sorted(name for name, test in tests.items() if not test["pass"])
    passed = f"{scan['testsPassed']} of {scan['testsQuantity']} tests passed"
    summary = f"grade {scan['grade']}, score {scan['score']}/100, {passed}"
    print(f"\n    {summary} (algorithm {scan['algorithmVersion']})")
    expect(
        scan["grade"] == "A+" and not failed, f"not A+ with every test passed: {summary}, failed: {failed}"
    )
    ok("A+ with every test passed")
    measured["observatory"] = f"MDN HTTP Observatory {version} over TLS", f"**{summary}**"


def security(h: Harness, doc: bool) -> None:
    measured: dict[str, tuple[str, str]] = {}
    for check in (bandit, semgrep, observatory):
        check(h, measured)
    if doc:
        step("docs/security.md")
        rows = [f"| {' | '.join(measured[name])} |" for name in ("observatory", "bandit", "semgrep")]
        write_measured("security", "\n".join(["| check | result |", "| --- | --- |", *rows]))


if __name__ == "__main__":
    if sys.argv[1:] not in ([], ["--doc"]):
        sys.exit(f"usage: {sys.argv[0]} [--doc]")
    sys.exit(check_main("Security checks", security, sys.argv[1:] == ["--doc"]))
