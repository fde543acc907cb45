# The harness image's lower half: Node, the project's production npm dependencies in /app, and the
# two catalog servers that are not npm packages, where the catalog looks for them ({{tools}} is
# /app/.tools, src/project-root.ts TOOLS_DIR):
#  - github: GitHub's Go server, /app/.tools/bin/github-mcp-server (+ its version marker);
#  - redis-official: Redis's Python server from PyPI, in the virtualenv /app/.tools/venv-redis-mcp
#    (+ the marker .redis-mcp-server-version, src/catalog/redis-official.ts).
# Split from containers/harness.Dockerfile because none of this changes often while src/ changes
# often: a source change rebuilds only the small upper half (seconds instead of minutes).
#
# Build context: a directory holding
#  - node_modules/ WITHOUT the packages package-lock.json marks dev-only (scripts/setup-containers.sh
#    prepares it from the machine's installed, tested node_modules with hard links, so nothing is
#    downloaded; elsewhere, `npm ci --omit=dev` into an empty directory with package.json and
#    package-lock.json gives the same tree);
#  - tools/github-mcp-server and tools/.github-mcp-server-version: the binary scripts/setup.sh builds
#    (`go install github.com/github/github-mcp-server/cmd/github-mcp-server@v1.9.0`, into
#    .tools/bin). It links glibc dynamically (libc.so.6 only), which bookworm has;
#  - wheels/: requirements.txt (pinned, `redis-mcp-server==<version>` among them) and the wheels it
#    names, for CPython 3.11 on manylinux x86_64. setup-containers.sh freezes the machine's tested
#    .tools/venv-redis-mcp and `pip download`s exactly those (on the host, whose pip trusts the
#    host's network); elsewhere, `pip download --only-binary=:all: --python-version 3.11
#    redis-mcp-server==0.5.1 -d wheels` and `pip freeze`-style pins do. Installed with --no-index:
#    the build itself reaches no package index. The wheels are bind-mounted, not copied: the image
#    keeps only the installed virtualenv.
# Tagged localhost/mcp-slo-harness-deps:<package.json version>.
#
# BASE is the public Node image; on a machine without registry access, setup-containers.sh builds a
# local one under the same name from containers/node.Dockerfile.
ARG BASE=docker.io/library/node:20-bookworm-slim
FROM ${BASE}
ARG REDIS_MCP_SERVER_VERSION=0.5.1
WORKDIR /app
# redis-mcp-server 0.5.1 needs Python >= 3.10: bookworm's is 3.11.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3 python3-venv \
 && rm -rf /var/lib/apt/lists/*
RUN --mount=type=bind,source=wheels,target=/wheels \
    python3 -m venv /app/.tools/venv-redis-mcp \
 && /app/.tools/venv-redis-mcp/bin/python -m pip install --quiet --no-cache-dir --disable-pip-version-check --no-index --find-links /wheels \
      -r /wheels/requirements.txt "redis-mcp-server==${REDIS_MCP_SERVER_VERSION}" \
 && echo "${REDIS_MCP_SERVER_VERSION}" >/app/.tools/venv-redis-mcp/.redis-mcp-server-version \
 && /app/.tools/venv-redis-mcp/bin/redis-mcp-server --help >/dev/null
COPY tools/github-mcp-server tools/.github-mcp-server-version .tools/bin/
ENV NODE_ENV=production
COPY node_modules/ node_modules/
