#!/usr/bin/env bash
# Makes the container half of the harness work on a machine with no Docker engine and no registry
# access (only the Debian mirror, and PyPI for one image): docker-compose.yml, the `docker` provider and
# test/compose.e2e.test.ts then run on rootful Podman, driven through its Docker-compatible socket.
#
#   bash scripts/setup-containers.sh          (also run by `bash scripts/setup.sh --for-tests`)
#
# It is idempotent: it installs only missing packages and builds only images whose inputs changed
# (each image carries the hash of its inputs in the label io.mcp-slo.content-hash), prints one line
# per thing it does and nothing when all is present (a second run takes about two seconds).
#
# What it does:
#  1. apt-installs podman (4.3 on bookworm) with runc, conmon, netavark + aardvark-dns (container
#     name resolution on compose networks), iptables (netavark's port publishing), debootstrap and
#     docker-compose (1.29: Debian has no `docker compose` v2 plugin).
#  2. Builds the base image localhost/mcp-slo-base:bookworm: `debootstrap --variant=minbase bookworm`
#     from the machine's own Debian mirror (what apt uses), then `podman import`. It stands in for the
#     public debian:bookworm-slim.
#  3. Builds, FROM that base (--build-arg BASE=...), the images docker-compose.yml and the docker
#     provider name, tagged with their PUBLIC names so the same compose file runs here and anywhere
#     the public images can be pulled: docker.io/library/redis:7-bookworm,
#     docker.io/library/postgres:15-bookworm, ghcr.io/shopify/toxiproxy:2.12.0,
#     docker.io/library/node:20-bookworm-slim, and the harness's own image
#     localhost/mcp-slo-harness:<package.json version> (on localhost/mcp-slo-harness-deps:<version>:
#     Node, production node_modules, .tools/bin/github-mcp-server copied from the machine, and
#     .tools/venv-redis-mcp made by pip from PyPI with the machine's tested venv's versions as
#     constraints). The Dockerfiles are containers/*.Dockerfile.
#
# Nothing global is configured: Podman reads the project's containers/containers.conf and
# containers/registries.conf through CONTAINERS_CONF / CONTAINERS_REGISTRIES_CONF (set here, and by
# whatever starts `podman system service` for a run). Images live in Podman's default root storage
# (/var/lib/containers/storage, overlay driver) and are found with
#   podman images --filter label=io.mcp-slo.image=true
# Rootful only (runs as root, or needs root for apt and podman): rootless Podman would need subuid
# ranges, slirp4netns and fuse-overlayfs set up for the user, which this script does not do.
set -euo pipefail

script_dir=.
if [[ "${BASH_SOURCE[0]}" == */* ]]; then script_dir="${BASH_SOURCE[0]%/*}"; fi
cd "$script_dir/.."
repo="$PWD"

say() { echo "setup-containers: $*"; }
die() {
  echo "setup-containers: $*" >&2
  exit 1
}

[[ "$(uname -s)" == Linux ]] || die "needs Linux (Podman runs containers natively only there); found $(uname -s)"
command -v apt-get >/dev/null 2>&1 || die "needs a Debian/Ubuntu machine (apt-get) to install Podman, debootstrap and docker-compose"
# Rootful Podman (see above). `id -u` is 0 when run as root or through sudo.
[[ "$(id -u)" == 0 ]] || die "needs root: rootful Podman and debootstrap (run: sudo bash scripts/setup-containers.sh)"

export CONTAINERS_CONF="$repo/containers/containers.conf"
export CONTAINERS_REGISTRIES_CONF="$repo/containers/registries.conf"
[[ -f "$CONTAINERS_CONF" && -f "$CONTAINERS_REGISTRIES_CONF" ]] || die "missing $CONTAINERS_CONF or $CONTAINERS_REGISTRIES_CONF"

# Everything temporary (logs, debootstrap root, build contexts) lives in one directory under .tools,
# removed on exit, Ctrl-C included. Under .tools (not /tmp) because the harness image's context is
# made of hard links to node_modules, which must be on the same filesystem.
mkdir -p "$repo/.tools"
work=""
cleanup() {
  if [[ -n "$work" && -d "$work" ]]; then rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'cleanup; trap - INT; kill -INT $$' INT
trap 'cleanup; exit 143' TERM
work="$(mktemp -d "$repo/.tools/setup-containers.XXXXXX")"
log="$work/log"

# run_logged WHAT CMD...: runs CMD with its output in the log; on failure shows its tail and stops.
run_logged() {
  local what="$1"
  shift
  if ! "$@" >"$log" 2>&1; then
    echo "setup-containers: $what failed; the last lines of its output:" >&2
    tail -n 30 "$log" >&2
    exit 1
  fi
}

# --- 1. packages ---------------------------------------------------------------------------------
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
packages=(podman runc conmon netavark aardvark-dns iptables debootstrap docker-compose)
missing=()
for p in "${packages[@]}"; do installed "$p" || missing+=("$p"); done
if ((${#missing[@]} > 0)); then
  # Refresh the lists only when something must be installed; wait for another apt's lock.
  run_logged "apt-get update" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 -q update
  run_logged "apt-get install ${missing[*]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 -q install -y --no-install-recommends "${missing[@]}"
  say "installed ${missing[*]} (apt)"
fi

# --- image helpers -------------------------------------------------------------------------------
LABEL_MANAGED=io.mcp-slo.image
LABEL_HASH=io.mcp-slo.content-hash

image_hash() { podman image inspect --format "{{index .Labels \"$LABEL_HASH\"}}" "$1" 2>/dev/null || true; }
image_id() { podman image inspect --format '{{.Id}}' "$1" 2>/dev/null; }
# Hash of stdin, short enough to read in a label.
digest() { sha256sum | cut -c1-24; }
# Hash of the files under the given paths: names and contents, in a stable order.
files_digest() {
  find "$@" -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum | digest
}

# build TAG HASH DOCKERFILE CONTEXT BASE [PODMAN-BUILD-ARGS...]: builds unless TAG already carries HASH.
build() {
  local tag="$1" hash="$2" dockerfile="$3" context="$4" base="$5" started=$SECONDS
  shift 5
  [[ "$(image_hash "$tag")" == "$hash" ]] && return 0
  # --pull=never: the base is the local one (no registry here). --network=host: apt inside the build
  # reaches the mirror the way the host does, whatever container networking allows; nothing is
  # published. The old image of the same tag, now untagged, is pruned below.
  run_logged "building $tag" podman build --pull=never --network=host --layers \
    --build-arg "BASE=$base" \
    --label "$LABEL_MANAGED=true" --label "$LABEL_HASH=$hash" "$@" \
    -f "$dockerfile" -t "$tag" "$context"
  say "built $tag ($((SECONDS - started)) s)"
}

# --- 2. the base image ---------------------------------------------------------------------------
base=localhost/mcp-slo-base:bookworm
# Bump "recipe N" when the commands below change. The mirror is not part of the hash: the same
# Debian release from another mirror is the same base.
base_hash="$(printf 'recipe 1\nbookworm minbase\n' | digest)"
if [[ "$(image_hash "$base")" != "$base_hash" ]]; then
  started=$SECONDS
  # The mirror apt uses for bookworm (and bookworm-security), from apt's own view of its sources,
  # so a machine behind a local mirror builds from it. MCP_SLO_DEBIAN_MIRROR overrides.
  policy="$(apt-cache policy 2>/dev/null || true)"
  apt_uri() { awk -v s="$1/main" '$3 == s && $2 ~ /^https?:\/\// { print $2; exit }' <<<"$policy"; }
  mirror="${MCP_SLO_DEBIAN_MIRROR:-$(apt_uri bookworm)}"
  mirror="${mirror:-http://deb.debian.org/debian}"
  security_mirror="$(apt_uri bookworm-security)"
  security_mirror="${security_mirror:-http://deb.debian.org/debian-security}"
  [[ -r /usr/share/keyrings/debian-archive-keyring.gpg ]] ||
    die "debootstrap of Debian bookworm needs the Debian archive keyring: apt-get install debian-archive-keyring"
  run_logged "debootstrap --variant=minbase bookworm from $mirror" debootstrap --variant=minbase bookworm "$work/root" "$mirror"
  # The apt sources of the official debian:bookworm images (updates and security too), on this
  # machine's mirrors; and no package lists or .debs kept in the image.
  rm -f "$work/root/etc/apt/sources.list"
  cat >"$work/root/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $mirror
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $security_mirror
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  rm -rf "$work/root/var/lib/apt/lists/"* "$work/root/var/cache/apt/"*.bin "$work/root/var/cache/apt/archives/"*.deb
  tar -C "$work/root" --numeric-owner -cf "$work/root.tar" .
  rm -rf "$work/root"
  run_logged "podman import of the debootstrapped bookworm" podman import \
    --change 'CMD ["/bin/bash"]' \
    --change "LABEL $LABEL_MANAGED=true" --change "LABEL $LABEL_HASH=$base_hash" \
    --message "debootstrap --variant=minbase bookworm $mirror" \
    "$work/root.tar" "$base"
  rm -f "$work/root.tar"
  say "built $base (debootstrap --variant=minbase bookworm from $mirror + podman import, $((SECONDS - started)) s)"
fi
base_id="$(image_id "$base")"

# --- 3. the images -------------------------------------------------------------------------------
c="$repo/containers"

# Backing services: context containers/ (the Dockerfile and its entry point).
build docker.io/library/redis:7-bookworm \
  "$( { echo "$base_id"; cat "$c/redis.Dockerfile" "$c/redis-entrypoint.sh"; } | digest)" \
  "$c/redis.Dockerfile" "$c" "$base"
build docker.io/library/postgres:15-bookworm \
  "$( { echo "$base_id"; cat "$c/postgres.Dockerfile" "$c/postgres-entrypoint.sh"; } | digest)" \
  "$c/postgres.Dockerfile" "$c" "$base"

# Toxiproxy: the binary scripts/setup.sh built (go install, v2.12.0, the same as the official release).
toxiproxy_bin="$repo/.tools/bin/toxiproxy-server"
if [[ ! -x "$toxiproxy_bin" ]] || ! grep -qx v2.12.0 "$repo/.tools/bin/.toxiproxy-server-version" 2>/dev/null; then
  die "the Toxiproxy image needs .tools/bin/toxiproxy-server v2.12.0: run 'bash scripts/setup.sh' first"
fi
toxiproxy_hash="$( { echo "$base_id"; cat "$c/toxiproxy.Dockerfile" "$toxiproxy_bin"; } | digest)"
if [[ "$(image_hash ghcr.io/shopify/toxiproxy:2.12.0)" != "$toxiproxy_hash" ]]; then
  mkdir -p "$work/toxiproxy"
  cp "$toxiproxy_bin" "$work/toxiproxy/toxiproxy-server"
  build ghcr.io/shopify/toxiproxy:2.12.0 "$toxiproxy_hash" "$c/toxiproxy.Dockerfile" "$work/toxiproxy" "$base"
fi

# Node: the machine's own Node and npm (see containers/node.Dockerfile for why).
node_bin="$(command -v node)" || die "the Node image needs 'node' on PATH (Node >= 20.19)"
node_bin="$(readlink -f "$node_bin")"
npm_dir="$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")" || die "the Node image needs 'npm' on PATH"
[[ -f "$npm_dir/package.json" ]] || die "cannot find npm's package directory (found $npm_dir)"
node_version="$("$node_bin" --version)"
[[ "$node_version" == v20.* ]] || die "the local node:20-bookworm-slim image is made from the machine's Node, which must be 20.x; found $node_version"
node_hash="$( { echo "$base_id"; cat "$c/node.Dockerfile"; echo "$node_version"; cat "$npm_dir/package.json"; sha256sum "$node_bin"; } | digest)"
if [[ "$(image_hash docker.io/library/node:20-bookworm-slim)" != "$node_hash" ]]; then
  mkdir -p "$work/node"
  cp "$node_bin" "$work/node/node"
  cp -a "$npm_dir" "$work/node/npm"
  build docker.io/library/node:20-bookworm-slim "$node_hash" "$c/node.Dockerfile" "$work/node" "$base"
fi
node_id="$(image_id docker.io/library/node:20-bookworm-slim)"

# The harness, in two images: Node + production dependencies (rarely changes), then the project's
# files on top (changes with every source edit; a rebuild of it takes seconds).
[[ -f node_modules/.package-lock.json ]] || die "the harness image needs the npm dependencies: run 'bash scripts/setup.sh' first"
version="$(node -p 'require("./package.json").version')"
deps="localhost/mcp-slo-harness-deps:$version"
# The GitHub server (Go) goes into the same image: the binary scripts/setup.sh built.
github_bin="$repo/.tools/bin/github-mcp-server"
if [[ ! -x "$github_bin" ]] || ! grep -qx v1.9.0 "$repo/.tools/bin/.github-mcp-server-version" 2>/dev/null; then
  die "the harness image needs .tools/bin/github-mcp-server v1.9.0: run 'bash scripts/setup.sh' first"
fi
# Redis's Python server: the image's virtualenv gets exactly the packages of the machine's tested one
# (.tools/venv-redis-mcp, made by setup.sh), as wheels downloaded here on the host.
redis_mcp_venv="$repo/.tools/venv-redis-mcp"
[[ -x "$redis_mcp_venv/bin/python" ]] && grep -qx 0.5.1 "$redis_mcp_venv/.redis-mcp-server-version" 2>/dev/null ||
  die "the harness image needs .tools/venv-redis-mcp with redis-mcp-server 0.5.1: run 'bash scripts/setup.sh' first"
redis_mcp_pins="$("$redis_mcp_venv/bin/python" -m pip freeze --disable-pip-version-check 2>/dev/null)" || die "pip freeze of $redis_mcp_venv failed"
grep -qx 'redis-mcp-server==0.5.1' <<<"$redis_mcp_pins" || die "$redis_mcp_venv does not hold redis-mcp-server==0.5.1: run 'bash scripts/setup.sh'"
deps_hash="$( { echo "$node_id"; cat "$c/harness-deps.Dockerfile" package-lock.json node_modules/.package-lock.json "$github_bin" "$repo/.tools/bin/.github-mcp-server-version"; echo "$redis_mcp_pins"; } | digest)"
if [[ "$(image_hash "$deps")" != "$deps_hash" ]]; then
  mkdir -p "$work/deps/tools"
  cp "$github_bin" "$repo/.tools/bin/.github-mcp-server-version" "$work/deps/tools/"
  # The tested versions as constraints (redis-mcp-server itself is named by the Dockerfile).
  grep -v '^redis-mcp-server==' <<<"$redis_mcp_pins" >"$work/deps/constraints.txt" || true
  # pip in the build trusts what this machine's own pip trusts: the system CA bundle, mounted.
  extra=()
  if [[ -r /etc/ssl/certs/ca-certificates.crt ]]; then
    extra=(--volume /etc/ssl/certs/ca-certificates.crt:/run/mcp-slo-ca.crt:ro --build-arg PIP_CERT=/run/mcp-slo-ca.crt)
  fi
  # Hard links: no copy of the 700 MB, and removing a link below leaves node_modules untouched.
  cp -al node_modules "$work/deps/node_modules"
  # Drop what package-lock.json marks dev-only (vitest, typescript, @octokit/openapi, ...).
  node -e '
    const lock = require(process.argv[1]);
    for (const [p, v] of Object.entries(lock.packages)) if (p.startsWith("node_modules/") && v.dev) console.log(p);
  ' "$repo/package-lock.json" | (cd "$work/deps" && xargs -r -d '\n' rm -rf --)
  build "$deps" "$deps_hash" "$c/harness-deps.Dockerfile" "$work/deps" docker.io/library/node:20-bookworm-slim "${extra[@]}"
  rm -rf "$work/deps"
fi
deps_id="$(image_id "$deps")"
harness="localhost/mcp-slo-harness:$version"
harness_paths=(package.json package-lock.json tsconfig.json bin src scenarios probes)
harness_hash="$( { echo "$deps_id"; cat "$c/harness.Dockerfile"; files_digest "${harness_paths[@]}"; } | digest)"
if [[ "$(image_hash "$harness")" != "$harness_hash" ]]; then
  mkdir -p "$work/harness"
  cp -a "${harness_paths[@]}" "$work/harness/"
  build "$harness" "$harness_hash" "$c/harness.Dockerfile" "$work/harness" "$deps"
fi

# Earlier builds of these tags, untagged by a rebuild (intermediate layers carry no label and stay
# as the build cache).
podman image prune -f --filter "label=$LABEL_MANAGED=true" >/dev/null 2>&1 || true
