# The harness's own image: every catalog MCP server (run from node_modules and .tools, as the
# harness runs them), the HTTP bridge (`node bin/mcp-slo.js bridge ...`, src/cli/bridge-command.ts) and the upstream
# stand-ins, for docker-compose.yml and the docker provider.
# Tagged localhost/mcp-slo-harness:<package.json version>.
#
# BASE is containers/harness-deps.Dockerfile's image (Node, production node_modules and the Go and
# Python servers' .tools in /app);
# this adds the project itself. Build context: the repository root (only the files below are
# copied; scripts/setup-containers.sh passes a directory holding just them, so the build does not
# walk node_modules or .git).
ARG BASE=localhost/mcp-slo-harness-deps:0.1.0
FROM ${BASE}
WORKDIR /app
COPY package.json package-lock.json tsconfig.json ./
COPY bin/ bin/
COPY scenarios/ scenarios/
COPY probes/ probes/
COPY src/ src/
# Not root: nothing here needs it (the bridge's children and the servers write only to temp dirs).
USER node
CMD ["node", "bin/mcp-slo.js", "--help"]
