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
#  - constraints.txt (may be empty): pins for redis-mcp-server's dependencies. setup-containers.sh
#    writes the `pip freeze` of the machine's tested .tools/venv-redis-mcp there, so the image gets
#    the same versions (a dependency only the image's Python needs is resolved freely).
# The virtualenv is made with pip from PyPI (the only download of the build). PIP_CERT, when given,
# is a CA bundle for pip to trust (setup-containers.sh bind-mounts the machine's system bundle for
# the build, for networks that intercept TLS); the image keeps no trace of it.
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
ARG PIP_CERT=
RUN --mount=type=bind,source=constraints.txt,target=/tmp/constraints.txt \
    python3 -m venv /app/.tools/venv-redis-mcp \
 && /app/.tools/venv-redis-mcp/bin/python -m pip install --quiet --no-cache-dir --disable-pip-version-check \
      ${PIP_CERT:+--cert "$PIP_CERT"} -c /tmp/constraints.txt "redis-mcp-server==${REDIS_MCP_SERVER_VERSION}" \
 && echo "${REDIS_MCP_SERVER_VERSION}" >/app/.tools/venv-redis-mcp/.redis-mcp-server-version \
 && /app/.tools/venv-redis-mcp/bin/redis-mcp-server --help >/dev/null
COPY tools/github-mcp-server tools/.github-mcp-server-version .tools/bin/
ENV NODE_ENV=production
COPY node_modules/ node_modules/
