# Redis 7 from Debian bookworm (redis-server 7.0), for machines that cannot pull the public
# docker.io/library/redis:7-bookworm. scripts/setup-containers.sh builds it FROM the debootstrapped
# base (--build-arg BASE=localhost/mcp-slo-base:bookworm; context: containers/) and tags it with
# that public name, so docker-compose.yml and the docker provider run the same image name everywhere.
# It behaves like the official image for what the harness uses: `redis-server ARGS...` (or just
# `--flag ...`), data in /data, port 6379, runs as the `redis` user, protected mode off.
ARG BASE=docker.io/library/debian:bookworm-slim
FROM ${BASE}
# policy-rc.d: the package's postinst must not try to start a Redis service inside the build.
RUN printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d \
 && apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends redis-server \
 && rm -rf /var/lib/apt/lists/* /usr/sbin/policy-rc.d \
 && mkdir -p /data && chown redis:redis /data \
 && redis-server --version
COPY redis-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
WORKDIR /data
VOLUME /data
EXPOSE 6379
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["redis-server"]
