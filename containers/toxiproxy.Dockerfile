# Toxiproxy 2.12.0, for machines that cannot pull the public ghcr.io/shopify/toxiproxy:2.12.0.
# The binary is the one scripts/setup.sh builds with `go install` (the same module and version
# as the official release) into .tools/bin/toxiproxy-server; scripts/setup-containers.sh passes a
# context holding it as `toxiproxy-server` and builds FROM the debootstrapped base (the binary
# links glibc dynamically, so the official image's FROM scratch would not do).
# Same interface as the official image: /toxiproxy, default arguments -host=0.0.0.0, API on 8474.
ARG BASE=docker.io/library/debian:bookworm-slim
FROM ${BASE}
COPY toxiproxy-server /toxiproxy
RUN /toxiproxy -version
EXPOSE 8474
ENTRYPOINT ["/toxiproxy"]
CMD ["-host=0.0.0.0"]
