#!/usr/bin/env bash
# Install everything the test suite needs, then run it. The README's test command and .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."

# System packages: R with jsonlite, readr and digest (the R loader, downloads included, is tested in real
# R) and Chromium (the report is opened headless).
# --no-install-recommends: with recommends, r-base-core pulls in hundreds of packages.
apt_packages=(r-base-core r-cran-jsonlite r-cran-readr r-cran-digest chromium)
missing=()
for pkg in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing ${missing[*]} (apt)"
    # another apt or dpkg (unattended-upgrades on a fresh machine) may hold the lock: wait for it
    apt_wait=(-o DPkg::Lock::Timeout=600)
    apt-get "${apt_wait[@]}" update -qq
    DEBIAN_FRONTEND=noninteractive apt-get "${apt_wait[@]}" install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "warning: missing system packages ${missing[*]}; tests needing them will fail under CI=true" >&2
  fi
fi

python3 -m pip install -q --disable-pip-version-check -e ".[test]"
# cffconvert 2.0 pins jsonschema<4, which frictionless cannot share; it runs fine on jsonschema 4, so it
# is installed without its pins (tests/exports/test_peer_tools.py validates CITATION.cff with it)
python3 -m pip install -q --disable-pip-version-check --no-deps cffconvert==2.0.0 pykwalify ruamel.yaml docopt

# lint and types first: a finding fails the run like a failing test
bash scripts/lint.sh

set +e
python3 -m pytest -q "$@"
rc=$?
set -e
if [ $rc -eq 5 ]; then
  echo "pytest collected no tests: treating as a failure" >&2
  exit 1
fi
exit $rc
