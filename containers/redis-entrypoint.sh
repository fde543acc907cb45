#!/bin/sh
# Entry point of containers/redis.Dockerfile, modelled on the official redis image's.
set -e

# `docker run IMAGE --port 6380` or `IMAGE /etc/redis.conf` mean redis-server with those arguments.
if [ "${1#-}" != "$1" ] || [ "${1%.conf}" != "$1" ]; then
  set -- redis-server "$@"
fi

if [ "$1" = redis-server ]; then
  # The official image builds Redis with protected mode off by default: the container's network
  # namespace, not Redis, decides who can connect (here: the compose network, and ports published
  # on 127.0.0.1 only). Debian's build keeps it on, which would refuse every client from another
  # container; so turn it off unless the command line says otherwise.
  case " $* " in
    *" --protected-mode "*) ;;
    *) set -- "$@" --protected-mode no ;;
  esac
  # Started as root: give /data to redis and drop privileges, as the official image does (gosu there,
  # setpriv from util-linux here).
  if [ "$(id -u)" = 0 ]; then
    find . \! -user redis -exec chown redis '{}' +
    exec setpriv --reuid=redis --regid=redis --init-groups "$@"
  fi
fi

exec "$@"
