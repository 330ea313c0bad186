#!/usr/bin/env bash
# Security checks that are scripts rather than tests (issue 8; the tests are in tests/security and run
# with `make test`):
#   1. scripts/security/observatory.sh: the production configuration over TLS on 127.0.0.1, scanned
#      by the MDN HTTP Observatory: grade A+, no failed test;
#   2. scripts/security/static_analysis.sh: bandit (0 high) and the local semgrep rules (0 findings).
# About a minute (two the first time, while semgrep's environment and the scanner are installed).
# Needs root (ports 80 and 443), the project's .venv and PostgreSQL on 127.0.0.1:5432.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$SECONDS
bash scripts/security/static_analysis.sh
bash scripts/security/observatory.sh
printf '\nSecurity checks passed in %s s.\n' "$((SECONDS - start))"
