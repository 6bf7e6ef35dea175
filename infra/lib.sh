# Shared by infra/test and infra/local-aws: the Python tools (moto, cfn-lint) in a virtualenv,
# and starting moto server on a free port.

POSTIZ_VENV=${POSTIZ_VENV:-$HOME/.cache/postiz-venv}
MOTO_VERSION=5.2.5
CFN_LINT_VERSION=1.58.0

# Installs moto[server] (and cfn-lint when asked) into the virtualenv if missing.
ensure_python_tools() {
  local want_lint=${1:-no}
  if [ ! -x "$POSTIZ_VENV/bin/python" ]; then
    python3 -m venv "$POSTIZ_VENV"
  fi
  if ! "$POSTIZ_VENV/bin/python" -c "import moto, flask" >/dev/null 2>&1; then
    echo "installing moto[server]==$MOTO_VERSION into $POSTIZ_VENV" >&2
    "$POSTIZ_VENV/bin/pip" install -q --disable-pip-version-check "moto[server]==$MOTO_VERSION" >&2
  fi
  if [ "$want_lint" = lint ] && [ ! -x "$POSTIZ_VENV/bin/cfn-lint" ]; then
    echo "installing cfn-lint==$CFN_LINT_VERSION into $POSTIZ_VENV" >&2
    "$POSTIZ_VENV/bin/pip" install -q --disable-pip-version-check "cfn-lint==$CFN_LINT_VERSION" >&2
  fi
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Starts moto on a free port; sets MOTO_PID and exports the AWS_* variables pointing at it.
start_moto() {
  local log=$1
  local port
  port=$(free_port)
  "$POSTIZ_VENV/bin/moto_server" -H 127.0.0.1 -p "$port" >"$log" 2>&1 &
  MOTO_PID=$!
  for _ in $(seq 1 200); do
    if python3 -c "import urllib.request,sys; urllib.request.urlopen(sys.argv[1], timeout=1)" "http://127.0.0.1:$port/moto-api/" 2>/dev/null; then
      break
    fi
    if ! kill -0 "$MOTO_PID" 2>/dev/null; then
      echo "moto failed to start; see $log" >&2
      return 1
    fi
    sleep 0.1
  done
  export AWS_ENDPOINT_URL="http://127.0.0.1:$port"
  export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
  export AWS_EC2_METADATA_DISABLED=true
}
