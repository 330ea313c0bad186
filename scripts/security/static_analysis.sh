#!/usr/bin/env bash
# Static analysis (issue 8, security 8) of the app's code: accounts, journal, hundreddays and the
# templates, without the tests and migrations.
#   1. bandit (pinned in requirements-dev.txt): 0 high-severity findings (medium and low are listed);
#   2. semgrep with the local rules in scripts/security/semgrep.yml only (no registry, no metrics):
#      first each rule against its cases (scripts/security/semgrep_cases: what must be flagged, what
#      must pass), then the code: 0 findings.
# semgrep lives in a virtual environment of its own (scripts/security/requirements-semgrep.txt),
# made once under ${XDG_CACHE_HOME:-~/.cache}/hundreddays/.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT="$PWD"
# shellcheck source=scripts/lib.sh
source "$ROOT/scripts/lib.sh"
export SEMGREP_SEND_METRICS=off SEMGREP_ENABLE_VERSION_CHECK=0

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
CODE=(accounts journal hundreddays api templates)

# --- bandit -------------------------------------------------------------------------------
step "bandit"
BANDIT_PIN="$(grep -E '^bandit==' requirements-dev.txt)"
"$BIN/python" -m bandit --version >/dev/null 2>&1 || "$BIN/pip" install --quiet "$BANDIT_PIN" >"$TMP/pip.log" 2>&1 ||
  { cat "$TMP/pip.log" >&2; fail "could not install $BANDIT_PIN"; }
"$BIN/python" -m bandit -r accounts journal hundreddays api cli -x '*/tests/*,*/migrations/*' -q -f json -o "$TMP/bandit.json" || true
"$BIN/python" - "$TMP/bandit.json" <<'EOF'
import json
import sys

report = json.load(open(sys.argv[1]))
if report.get("errors"):
    sys.exit(f"FAIL: bandit could not read: {report['errors']}")
results = report["results"]
totals = report["metrics"]["_totals"]
for r in sorted(results, key=lambda r: ("HIGH", "MEDIUM", "LOW").index(r["issue_severity"])):
    print(f"    {r['issue_severity']:<6} {r['test_id']} {r['filename']}:{r['line_number']}  {r['issue_text']}")
high = [r for r in results if r["issue_severity"] == "HIGH"]
print(
    f"    {int(totals['loc'])} lines scanned: {len(high)} high, "
    f"{int(totals['SEVERITY.MEDIUM'])} medium, {int(totals['SEVERITY.LOW'])} low"
)
if high:
    sys.exit(f"FAIL: {len(high)} high-severity bandit finding(s)")
EOF
ok "bandit $("$BIN/python" -m bandit --version | head -1 | awk '{print $2}'): no high-severity finding"

# --- semgrep ------------------------------------------------------------------------------
step "semgrep (local rules only)"
PIN="$(grep -E '^semgrep==' scripts/security/requirements-semgrep.txt)"
SEMGREP_VENV="${XDG_CACHE_HOME:-$HOME/.cache}/hundreddays/${PIN/==/-}"
if ! "$SEMGREP_VENV/bin/semgrep" --version >/dev/null 2>&1; then
  rm -rf "$SEMGREP_VENV"
  "$BIN/python" -m venv "$SEMGREP_VENV"
  "$SEMGREP_VENV/bin/pip" install --quiet -r scripts/security/requirements-semgrep.txt >"$TMP/pip.log" 2>&1 ||
    { cat "$TMP/pip.log" >&2; fail "could not install $PIN"; }
fi
SEMGREP=("$SEMGREP_VENV/bin/semgrep" scan --metrics=off --disable-version-check --quiet)

# The rules against their cases. semgrep's test mode takes one file at a time, named like the rules.
mkdir -p "$TMP/cases"
cp scripts/security/semgrep.yml "$TMP/cases/semgrep.yml"
for case in scripts/security/semgrep_cases/semgrep.*; do
  cp "$case" "$TMP/cases/"
  name="$(basename "$case")"
  (cd "$TMP/cases" && "${SEMGREP[@]}" --test --json --config semgrep.yml "$name") >"$TMP/test.json" 2>/dev/null || true
  "$BIN/python" - "$TMP/test.json" "$name" <<'EOF'
import json
import sys

report = json.load(open(sys.argv[1]))
checks = {rule: check for config in report["results"].values() for rule, check in config["checks"].items()}
if report.get("config_with_errors") or not checks:
    sys.exit(f"FAIL: semgrep test mode on {sys.argv[2]}: {report}")
for rule, check in sorted(checks.items()):
    for path, match in check["matches"].items():
        expected, reported = set(match["expected_lines"]), set(match["reported_lines"])
        state = "ok" if check["passed"] else "FAIL"
        print(f"    {state:<4} {rule}: {len(expected)} line(s) to flag in {sys.argv[2]}", end="")
        if expected != reported:
            print(f", missed {sorted(expected - reported)}, wrongly flagged {sorted(reported - expected)}", end="")
        print()
if not all(check["passed"] for check in checks.values()):
    sys.exit("FAIL: a semgrep rule does not do what its cases say")
EOF
done

"${SEMGREP[@]}" --config scripts/security/semgrep.yml --json --output "$TMP/semgrep.json" \
  --exclude '*/tests/*' --exclude '*/migrations/*' --exclude 'test_*.py' "${CODE[@]}" || true
"$BIN/python" - "$TMP/semgrep.json" <<'EOF'
import json
import sys

report = json.load(open(sys.argv[1]))
if report.get("errors"):
    sys.exit(f"FAIL: semgrep errors: {report['errors']}")
for r in report["results"]:
    print(f"    {r['check_id'].rsplit('.', 1)[-1]}  {r['path']}:{r['start']['line']}")
scanned = report["paths"]["scanned"]
python = sum(path.endswith(".py") for path in scanned)
print(f"    {len(scanned)} files scanned ({python} Python, {len(scanned) - python} templates): {len(report['results'])} finding(s)")
if report["results"]:
    sys.exit("FAIL: semgrep findings")
EOF
ok "semgrep $("$SEMGREP_VENV/bin/semgrep" --version --disable-version-check): 0 findings"
