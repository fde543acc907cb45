# PostgreSQL 15 from Debian bookworm, for machines that cannot pull the public
# docker.io/library/postgres:15-bookworm (15 because that is bookworm's PostgreSQL: the tag tells
# the truth about the major version). scripts/setup-containers.sh builds it FROM the debootstrapped
# base (--build-arg BASE=localhost/mcp-slo-base:bookworm; context: containers/) and tags it with the
# public name. Like the official image: POSTGRES_PASSWORD / POSTGRES_USER / POSTGRES_DB /
# POSTGRES_HOST_AUTH_METHOD / POSTGRES_INITDB_ARGS, /docker-entrypoint-initdb.d, initdb on first
# start into PGDATA=/var/lib/postgresql/data, listens on 0.0.0.0:5432, runs as `postgres`.
# Difference: the cluster's locale is C.UTF-8 (glibc's built-in one; the official image generates
# en_US.UTF-8 with the locales package).
ARG BASE=docker.io/library/debian:bookworm-slim
FROM ${BASE}
ENV PG_MAJOR=15 \
    PATH=/usr/lib/postgresql/15/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    PGDATA=/var/lib/postgresql/data \
    LANG=C.UTF-8
# create_main_cluster = false: the package must not create Debian's own cluster (the entry point
# makes one in PGDATA); policy-rc.d: nor start a service inside the build.
RUN printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d \
 && mkdir -p /etc/postgresql-common \
 && echo 'create_main_cluster = false' >/etc/postgresql-common/createcluster.conf \
 && apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql-15 \
 && rm -rf /var/lib/apt/lists/* /usr/sbin/policy-rc.d \
 && sed -ri "s!^#?(listen_addresses)\s*=\s*\S+.*!\1 = '*'!" /usr/share/postgresql/15/postgresql.conf.sample \
 && grep -F "listen_addresses = '*'" /usr/share/postgresql/15/postgresql.conf.sample \
 && mkdir -p /var/run/postgresql "$PGDATA" /docker-entrypoint-initdb.d \
 && chown -R postgres:postgres /var/run/postgresql /var/lib/postgresql \
 && chmod 3777 /var/run/postgresql && chmod 1777 "$PGDATA" \
 && postgres --version
COPY postgres-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
VOLUME /var/lib/postgresql/data
EXPOSE 5432
# PostgreSQL's "fast shutdown" (as the official image).
STOPSIGNAL SIGINT
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["postgres"]
