#!/usr/bin/env bash
# The container recipe's steps (deploy/Containerfile runs each of them), as a script that runs
# without a container engine, so that CI checks them on every change:
#
#   deploy/build.sh wheels WHEELS          build stage: a wheel of triage and of everything it needs
#                                          (durable_rules compiled here: this stage alone needs gcc)
#   deploy/build.sh install WHEELS PREFIX  run stage: a virtual environment at PREFIX from those
#                                          wheels alone (no compiler, no package index)
#   deploy/build.sh check PREFIX           start PREFIX's server as the unit and the container do
#                                          (2 workers, root path /triage), ask for /readyz and a
#                                          page through the root path, stop it with SIGTERM
#   deploy/build.sh all WORKDIR            the three in WORKDIR, as CI runs them
set -euo pipefail
source=$(cd "$(dirname "$0")/.." && pwd)
python=${PYTHON:-python3}

wheels() {
  mkdir -p "$1"
  "$python" -m pip wheel --quiet --wheel-dir "$1" "$source[web]"
}

install() {
  "$python" -m venv "$2"
  "$2/bin/pip" install --quiet --no-index --find-links "$1" 'rcd-triage[web]'
}

check() {
  local prefix out err pid url status
  prefix=$(cd "$1" && pwd)
  out=$(mktemp) err=$(mktemp)
  # From a folder outside the checkout, with the settings a deployment gives by environment.
  (cd / && exec env TRIAGE_HOST=127.0.0.1 TRIAGE_PORT=0 TRIAGE_WORKERS=2 TRIAGE_ROOT_PATH=/triage \
    "$prefix/bin/triage" serve >"$out" 2>"$err") &
  pid=$!
  trap 'kill "$pid" 2>/dev/null || true; rm -f "$out" "$err"' RETURN
  for _ in $(seq 100); do grep -q "listening on" "$out" && break; sleep 0.2; done
  url=$(sed -n 's|.*listening on \(http://[^ ]*\)/triage/ .*|\1|p' "$out")
  [ -n "$url" ] || { echo "deploy: the server did not start" >&2; cat "$err" >&2; return 1; }
  # The proxy takes /triage off; the page's links must keep it.
  "$prefix/bin/python" - "$url" <<'PY'
import sys, time, urllib.request
url = sys.argv[1]
for _ in range(150):
    try:
        with urllib.request.urlopen(url + "/readyz", timeout=5) as response:
            if response.status == 200:
                break
    except OSError:
        time.sleep(0.2)
else:
    sys.exit("deploy: /readyz never said ready")
with urllib.request.urlopen(url + "/", timeout=5) as response:
    assert '<base href="/triage/">' in response.read().decode(), "the page does not keep the root path"
PY
  kill -TERM "$pid"
  status=0
  wait "$pid" || status=$?
  [ "$status" -eq 0 ] || { echo "deploy: the server exited $status on SIGTERM" >&2; cat "$err" >&2; return 1; }
  if grep -q Traceback "$err"; then echo "deploy: a traceback in the log" >&2; cat "$err" >&2; return 1; fi
  echo "deploy: ready at the root path, stopped cleanly"
}

case "${1:-}" in
  wheels) wheels "$2" ;;
  install) install "$2" "$3" ;;
  check) check "$2" ;;
  all) wheels "$2/wheels" && install "$2/wheels" "$2/venv" && check "$2/venv" ;;
  *) sed -n '2,13p' "$0" >&2; exit 2 ;;
esac
