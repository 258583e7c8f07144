# Sourced: makes sure a Docker engine answers, for the testcontainers and compose steps of .ci/run.
# On a machine without one it installs Debian's docker.io (dockerd) and docker-compose (v1), starts
# dockerd with published ports on 127.0.0.1 only, and stops it again in stop_docker. The public images
# come from scripts/ci/standins/build.sh when no registry serves them (this project's CI machines).
DOCKERD_PID=""

start_docker() {
  if ! docker version >/dev/null 2>&1; then
    if ! command -v dockerd >/dev/null 2>&1 || ! { docker compose version || command -v docker-compose; } >/dev/null 2>&1; then
      echo "installing Docker (Debian's docker.io and docker-compose)"
      local sudo_cmd=""; [ "$(id -u)" -eq 0 ] || sudo_cmd=sudo
      $sudo_cmd apt-get update -qq
      DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends \
        docker.io docker-compose debootstrap >/dev/null
    fi
    if ! docker version >/dev/null 2>&1; then
      echo "starting dockerd"
      dockerd --host unix:///var/run/docker.sock --ip 127.0.0.1 >/tmp/dockerd-ci.log 2>&1 &
      DOCKERD_PID=$!
      wait_for 60 docker version || { echo "dockerd did not start:" >&2; tail -20 /tmp/dockerd-ci.log >&2; return 1; }
    fi
  fi
  echo "docker: engine $(docker version --format '{{.Server.Version}}'), compose: $( (docker compose version --short || docker-compose version --short) 2>/dev/null | head -1)"
  # Offline stand-ins for the public images, unless a registry serves the real ones.
  if ! docker pull -q hello-world >/dev/null 2>&1; then
    bash scripts/ci/standins/build.sh
    # Ryuk, testcontainers' reaper, is one more public image; the suites' global teardown removes
    # their containers itself.
    export TESTCONTAINERS_RYUK_DISABLED=true
  fi
}

stop_docker() {
  if [ -n "$DOCKERD_PID" ]; then
    docker ps -q | xargs -r docker stop -t 5 >/dev/null 2>&1 || true
    kill "$DOCKERD_PID" 2>/dev/null || true
    wait "$DOCKERD_PID" 2>/dev/null || true
  fi
}
