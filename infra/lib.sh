# Shared by infra/test and infra/local-aws: the Python tools (moto, localstripe, the MCP SDK,
# aiosmtpd, cfn-lint) in a virtualenv, and starting moto server on a free port.

POSTIZ_VENV=${POSTIZ_VENV:-$HOME/.cache/postiz-venv}
MOTO_VERSION=5.2.5
CFN_LINT_VERSION=1.58.0
LOCALSTRIPE_VERSION=1.15.10
# The official MCP Python SDK: the client the MCP tests connect with (tests/mcp/client.py).
MCP_VERSION=2.3.0
# A real SMTP server for the email tests (tests/tests/suite/email_smtp.rs).
AIOSMTPD_VERSION=1.4.6

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
  if ! "$POSTIZ_VENV/bin/pip" show localstripe 2>/dev/null | grep -x "Version: $LOCALSTRIPE_VERSION" >/dev/null; then
    echo "installing localstripe==$LOCALSTRIPE_VERSION into $POSTIZ_VENV" >&2
    "$POSTIZ_VENV/bin/pip" install -q --disable-pip-version-check "localstripe==$LOCALSTRIPE_VERSION" >&2
  fi
  export LOCALSTRIPE_BIN="$POSTIZ_VENV/bin/localstripe"
  if ! "$POSTIZ_VENV/bin/pip" show mcp 2>/dev/null | grep -x "Version: $MCP_VERSION" >/dev/null; then
    echo "installing mcp==$MCP_VERSION into $POSTIZ_VENV" >&2
    "$POSTIZ_VENV/bin/pip" install -q --disable-pip-version-check "mcp==$MCP_VERSION" >&2
  fi
  if ! "$POSTIZ_VENV/bin/pip" show aiosmtpd 2>/dev/null | grep -x "Version: $AIOSMTPD_VERSION" >/dev/null; then
    echo "installing aiosmtpd==$AIOSMTPD_VERSION into $POSTIZ_VENV" >&2
    "$POSTIZ_VENV/bin/pip" install -q --disable-pip-version-check "aiosmtpd==$AIOSMTPD_VERSION" >&2
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

SCHEMATHESIS_VERSION=4.32.5

# Installs schemathesis into the virtualenv if missing (or at another version).
ensure_schemathesis() {
  ensure_python_tools
  if ! "$POSTIZ_VENV/bin/schemathesis" --version 2>/dev/null | grep -qx "schemathesis, version $SCHEMATHESIS_VERSION"; then
    echo "installing schemathesis==$SCHEMATHESIS_VERSION into $POSTIZ_VENV" >&2
    "$POSTIZ_VENV/bin/pip" install -q --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION" >&2
  fi
}

# Writes the helpers of fuzz_api into folder $1: fuzz_fake.py (a stand-in for every
# network: Mastodon's OAuth and statuses, 404 for the rest), fuzz_seed.py (an organization,
# its key, a Mastodon channel and a few posts) and fuzz_hooks.py (schemathesis hooks that
# steer some generated ids to the seeded ones and keep every URL the server may fetch local).
write_fuzz_helpers() {
  local dir=$1
  cat >"$dir/fuzz_fake.py" <<'PY'
import json, sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

class Fake(BaseHTTPRequestHandler):
    counter = 0

    def answer(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def route(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        path = self.path.split("?")[0]
        if path == "/oauth/token":
            return self.answer(200, {"access_token": "fuzz-token", "token_type": "Bearer",
                                     "scope": "write:statuses profile write:media", "created_at": 1700000000})
        if path == "/api/v1/accounts/verify_credentials":
            return self.answer(200, {"id": "1", "username": "fuzz", "acct": "fuzz",
                                     "display_name": "Fuzz", "avatar": ""})
        if path == "/oauth/request_token":
            data = b"oauth_token=fuzz&oauth_token_secret=fuzz&oauth_callback_confirmed=true"
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            return self.wfile.write(data)
        if path == "/api/v1/statuses":
            Fake.counter += 1
            return self.answer(200, {"id": str(Fake.counter), "url": "http://127.0.0.1/@fuzz/%d" % Fake.counter})
        if path.startswith("/api/v2/media") or path.startswith("/api/v1/media/"):
            return self.answer(200, {"id": "m1", "type": "image", "url": "http://127.0.0.1/m1.png"})
        return self.answer(404, {"error": "Record not found"})

    do_GET = do_POST = do_PUT = do_DELETE = route

    def log_message(self, *args):
        pass

server = ThreadingHTTPServer(("127.0.0.1", 0), Fake)
with open(sys.argv[1], "w") as f:
    f.write(str(server.server_address[1]))
server.serve_forever()
PY
  cat >"$dir/fuzz_seed.py" <<'PY'
import datetime, json, sys, urllib.request, uuid

base = sys.argv[1]

def call(method, path, body=None, headers=None, want=(200, 201)):
    req = urllib.request.Request(base + path, method=method, headers=dict(headers or {}))
    if body is not None:
        req.data = json.dumps(body).encode()
        req.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(req, timeout=30) as r:
        if r.status not in want:
            sys.exit("%s %s: %s" % (method, path, r.status))
        return r, json.loads(r.read() or b"null")

email = "fuzz-%s@example.com" % uuid.uuid4().hex[:8]
r, _ = call("POST", "/auth/register", {"email": email, "password": "fuzz-pass-1",
                                       "company": "Fuzz", "provider": "LOCAL"}, want=(200,))
cookie = next(c for c in r.headers.get_all("Set-Cookie") if c.startswith("auth="))
session = {"auth": cookie.split(";")[0][len("auth="):]}
_, me = call("GET", "/user/self", headers=session)
key = {"Authorization": me["publicApi"]}
_, start = call("GET", "/integrations/social/mastodon", headers=session)
state = start["url"].split("state=")[1].split("&")[0]
_, channel = call("POST", "/integrations/social-connect/mastodon",
                  {"state": state, "code": "fuzz-code"}, headers=session)
channel = channel["id"]
posts = []
for days, kind in [(1, "draft"), (2, "schedule"), (3, "schedule"), (4, "draft")]:
    when = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=days)
    _, out = call("POST", "/public/v1/posts", {
        "type": kind, "date": when.strftime("%Y-%m-%dT%H:%M:%S.000Z"), "shortLink": False, "tags": [],
        "posts": [{"integration": {"id": channel},
                   "value": [{"content": "seed %d" % days, "image": []},
                             {"content": "comment", "image": []}]}]}, headers=key)
    posts.append(out[0]["postId"])
groups = [call("GET", "/public/v1/posts/" + p, headers=key)[1]["group"] for p in posts]
print("FUZZ_KEY=%s FUZZ_SESSION=%s FUZZ_CHANNEL=%s FUZZ_POSTS=%s FUZZ_GROUPS=%s"
      % (me["publicApi"], session["auth"], channel, ",".join(posts), ",".join(groups)))
PY
  cat >"$dir/fuzz_hooks.py" <<'PY'
# Steers generated ids to the seeded ones often enough to get past "not found", keeps the
# channel and all but the last seeded post alive, and keeps every URL the server could fetch
# (uploads, media of published posts) on 127.0.0.1, which it refuses. `map_case` is the one
# hook every phase applies; its choices are a function of the case, so a seed replays a run.
import copy, os, random
import schemathesis

CHANNEL = os.environ["FUZZ_CHANNEL"]
POSTS = os.environ["FUZZ_POSTS"].split(",")
GROUPS = os.environ["FUZZ_GROUPS"].split(",")


def steer_path(rng, method, path, params):
    posts = any(path.startswith(p) for p in (
        "/public/v1/posts/", "/public/v1/analytics/post/", "/posts/{id}", "/analytics/post/",
        "/public/posts/"))
    if "provider" in params and rng.random() < 0.5:
        params["provider"] = "mastodon"
    if method == "DELETE":
        if posts and "id" in params and (params["id"] in POSTS or rng.random() < 0.7):
            params["id"] = POSTS[-1]
        elif params.get("id") == CHANNEL or params.get("group") in GROUPS[:-1]:
            params = {k: "kept-%s" % v for k, v in params.items()}
    elif "id" in params and rng.random() < 0.7:
        params["id"] = rng.choice(POSTS[:-1]) if posts else CHANNEL
    return params


def local(rng, url):
    # Keeps the part the server checks (the ending), or often a good one; never a host.
    if not isinstance(url, str):
        return url
    tail = url.rsplit("/", 1)[-1]
    return "http://127.0.0.1:9/" + (tail if rng.random() < 0.5 else tail + ".png")


def integers(value):
    # 7.0 is an integer to JSON Schema; the server wants 7 (a 400 the run would stop at).
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**63:
        return int(value)
    if isinstance(value, list):
        return [integers(v) for v in value]
    if isinstance(value, dict):
        return {k: integers(v) for k, v in value.items()}
    return value


def steer_body(rng, body):
    if rng.random() < 0.8:
        body = integers(body)
    if "url" in body:
        body["url"] = local(rng, body["url"])
    entries = body.get("posts")
    ours = rng.random() < 0.8
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict):
            continue
        if ours and isinstance(entry.get("integration"), dict):
            entry["integration"]["id"] = CHANNEL
        values = entry.get("value")
        for value in values if isinstance(values, list) else []:
            images = value.get("image") if isinstance(value, dict) else None
            for image in images if isinstance(images, list) else []:
                if isinstance(image, dict):
                    for k in ("path", "thumbnail"):
                        if k in image:
                            image[k] = local(rng, image[k])
    return body


@schemathesis.hook
def map_case(ctx, case):
    method, path = case.operation.method.upper(), case.operation.path
    rng = random.Random(repr((method, path, case.path_parameters, case.query, case.body)))
    if isinstance(case.path_parameters, dict):
        case.path_parameters = steer_path(rng, method, path, dict(case.path_parameters))
    if isinstance(case.body, dict):
        case.body = steer_body(rng, copy.deepcopy(case.body))
    # Generated keys repeat with other bodies (a 422 every time): keep a few for replays.
    if isinstance(case.headers, dict) and "Idempotency-Key" in case.headers and rng.random() < 0.7:
        case.headers = {k: v for k, v in case.headers.items() if k != "Idempotency-Key"}
    return case
PY
}

# Fuzzes both APIs of a fresh postiz-server ($1: its binary) with schemathesis, keeping
# logs and reports in folder $2: every network the server could call is a local fake, the
# organization has a Mastodon channel and a few posts, and `API_LIMIT` is out of the way.
# First the public API with the organization's key, then the internal API (the web app's
# routes) with its session: every operation but those ending the session (logout, account
# deletion). Fails on any 5xx answer, any request the server drops, any success answer
# that does not match its documented response schema (schemathesis checks it, and the server
# runs with POSTIZ_CHECK_ANSWERS=1, which turns an answer off its documented status or shape
# into a 500), any error of schemathesis itself, and any panic in the server's log.
# FUZZ_EXAMPLES (examples per operation and round), FUZZ_MAX_TIME (seconds per API: rounds
# repeat until then), FUZZ_SEED and FUZZ_ARGS (more schemathesis flags) tune the run.
fuzz_api() (
  local bin=$1 dir=$2 pids=() rc=0
  trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; true' EXIT
  ensure_schemathesis
  write_fuzz_helpers "$dir"
  "$POSTIZ_VENV/bin/python" "$dir/fuzz_fake.py" "$dir/fake.port" >"$dir/fake.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 100); do [ -s "$dir/fake.port" ] && break; sleep 0.1; done
  local fake="http://127.0.0.1:$(cat "$dir/fake.port")" port
  port=$(free_port)
  local base="http://127.0.0.1:$port" var networks=()
  for var in DISCORD_URL FACEBOOK_GRAPH_URL GOOGLE_TOKEN_URL INSTAGRAM_API_URL \
    INSTAGRAM_FB_GRAPH_URL INSTAGRAM_GRAPH_URL LINKEDIN_URL MASTODON_URL PINTEREST_URL \
    REDDIT_OAUTH_URL REDDIT_URL SLACK_URL TELEGRAM_URL THREADS_URL TIKTOK_URL X_UPLOAD_URL \
    X_URL YOUTUBE_API_URL; do
    networks+=("$var=$fake")
  done
  env STORAGE=embedded DATA_DIR="$dir/data" HOST=127.0.0.1 PORT="$port" API_LIMIT=1000000 \
    POSTIZ_CHECK_ANSWERS=1 \
    MASTODON_CLIENT_ID=fuzz MASTODON_CLIENT_SECRET=fuzz RUST_LOG=warn "${networks[@]}" \
    "$bin" >"$dir/server.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 300); do
    python3 -c "import urllib.request,sys; urllib.request.urlopen(sys.argv[1], timeout=1)" \
      "$base/auth/can-register" 2>/dev/null && break
    kill -0 "${pids[1]}" 2>/dev/null || { echo "postiz-server died; see $dir/server.log" >&2; return 1; }
    sleep 0.1
  done
  local seeded
  seeded=$("$POSTIZ_VENV/bin/python" "$dir/fuzz_seed.py" "$base")
  export ${seeded?}
  # From $dir: schemathesis keeps a cache of crashes in the working folder.
  cd "$dir"
  local api select=()
  for api in public internal; do
    if [ "$api" = public ]; then
      select=(-H "Authorization: $FUZZ_KEY" --include-path-regex '^/(public/|openapi)')
    else
      select=(-H "auth: $FUZZ_SESSION"
        --exclude-path-regex '^/(public/v1/|openapi|user/logout|user/delete-account)')
    fi
    echo "-- schemathesis: the $api API" >&2
    # One worker: hypothesis parses lambda sources with `ast`, and CPython 3.11's AST
    # constructor is not thread-safe ("AST constructor recursion depth mismatch"), which
    # failed a CI run with two worker threads.
    SCHEMATHESIS_HOOKS="$dir/fuzz_hooks.py" timeout 600 "$POSTIZ_VENV/bin/schemathesis" run \
      "$base/openapi.json" "${select[@]}" \
      --checks not_a_server_error,response_schema_conformance --max-examples "${FUZZ_EXAMPLES:-25}" --seed "${FUZZ_SEED:-1}" \
      --max-time "${FUZZ_MAX_TIME:-100}" \
      --workers 1 --request-timeout 30 --generation-database none \
      --generation-with-security-parameters false --no-color \
      --report junit,har --report-dir "$dir/report-$api" ${FUZZ_ARGS:-} || rc=$?
    # What was covered, from the reports: operations tested and requests sent, and any 5xx
    # or dropped request.
    "$POSTIZ_VENV/bin/python" - "$dir/report-$api" "$api" <<'PY' || rc=1
import glob, json, re, sys
report, api = sys.argv[1], sys.argv[2]
junit = "".join(open(f).read() for f in glob.glob(report + "/junit-*.xml"))
operations = len(set(re.findall(r'<testcase[^>]*name="([^"]+)"', junit)))
failed = sum(int(n) for n in re.findall(r'<testsuite[^>]*failures="(\d+)"', junit))
errors = sum(int(n) for n in re.findall(r'<testsuite[^>]*errors="(\d+)"', junit))
statuses = [e["response"]["status"] if e.get("response") else 0
            for f in glob.glob(report + "/har-*.json") for e in json.load(open(f))["log"]["entries"]]
bad = [s for s in statuses if s >= 500 or s == 0]
print("schemathesis (%s API) covered %d operations with %d requests: %d failed checks, %d errors, %d 5xx or dropped"
      % (api, operations, len(statuses), failed, errors, len(bad)), file=sys.stderr)
sys.exit(0 if operations and statuses and not bad else 1)
PY
  done
  if grep -n "panicked at" "$dir/server.log" >&2; then
    echo "postiz-server panicked during fuzzing; see $dir/server.log" >&2
    rc=1
  fi
  return "$rc"
)

CARGO_LAMBDA_VERSION=1.9.2
ZIGLANG_VERSION=0.17.1
# Zipped bootstrap budget per function, in bytes (docs/benchmarks.md, "Lambda packages").
LAMBDA_ZIP_BUDGET=${LAMBDA_ZIP_BUDGET:-4000000}

# Builds every function as Lambda runs it (arm64, the size-optimised `lambda` profile,
# zipped) with cargo-lambda and zig from PyPI, and checks each zip against the budget.
build_lambda_packages() (
  ensure_python_tools
  if ! "$POSTIZ_VENV/bin/pip" show cargo-lambda 2>/dev/null | grep -x "Version: $CARGO_LAMBDA_VERSION" >/dev/null \
    || ! "$POSTIZ_VENV/bin/pip" show ziglang 2>/dev/null | grep -x "Version: $ZIGLANG_VERSION" >/dev/null; then
    echo "installing cargo-lambda==$CARGO_LAMBDA_VERSION ziglang==$ZIGLANG_VERSION into $POSTIZ_VENV" >&2
    "$POSTIZ_VENV/bin/pip" install -q --disable-pip-version-check \
      "cargo-lambda==$CARGO_LAMBDA_VERSION" "ziglang==$ZIGLANG_VERSION" >&2
  fi
  if ! command -v rustup >/dev/null 2>&1; then
    if ! rustc --print target-libdir --target aarch64-unknown-linux-gnu 2>/dev/null | xargs test -d; then
      echo "the aarch64-unknown-linux-gnu standard library is missing and rustup is not here to add it" >&2
      return 1
    fi
  else
    rustup target list --installed | grep -qx aarch64-unknown-linux-gnu \
      || rustup target add aarch64-unknown-linux-gnu >&2
  fi
  export PATH="$POSTIZ_VENV/bin:$PATH"
  local packages=() manifest bin failed=0 size
  for manifest in functions/*/Cargo.toml; do
    grep -q '^\[\[bin\]\]' "$manifest" || continue
    [ "$manifest" = functions/postiz-server/Cargo.toml ] && continue
    packages+=(-p "$(sed -n 's/^name = "\(.*\)"/\1/p' "$manifest" | head -1)")
  done
  cargo lambda build --profile lambda --arm64 --output-format zip "${packages[@]}"
  for zip in "$CARGO_TARGET_DIR"/lambda/*/bootstrap.zip; do
    bin=$(basename "$(dirname "$zip")")
    size=$(stat -c %s "$zip")
    if [ "$size" -gt "$LAMBDA_ZIP_BUDGET" ]; then
      echo "  $bin: $size bytes zipped, over the budget of $LAMBDA_ZIP_BUDGET" >&2
      failed=1
    else
      echo "  $bin: $size bytes zipped (budget $LAMBDA_ZIP_BUDGET)"
    fi
  done
  return "$failed"
)
