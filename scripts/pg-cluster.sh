#!/usr/bin/env bash
# A private PostgreSQL cluster for tests and benchmarks, from the Debian packages' binaries:
#   scripts/pg-cluster.sh start <dir> <port>   (idempotent; prints the superuser URL)
#   scripts/pg-cluster.sh status <dir>        (exit 0 when running)
#   scripts/pg-cluster.sh stop <dir>
# It never touches the system cluster. As root it runs the server as the `postgres` user.
set -euo pipefail

cmd=${1:?usage: pg-cluster.sh start|status|stop <dir> [port]}
dir=${2:?data directory required}
dir=$(mkdir -p "$dir" && cd "$dir" && pwd)

bindir=${PG_BINDIR:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
[[ -x "$bindir/initdb" ]] || { echo "PostgreSQL server binaries not found (apt-get install postgresql)" >&2; exit 1; }

as_owner() {
  if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$cmd" in
  start)
    port=${3:?port required}
    if [[ $(id -u) -eq 0 ]]; then chown postgres: "$dir"; fi
    if [[ ! -f "$dir/PG_VERSION" ]]; then
      as_owner "$bindir/initdb" -D "$dir" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/../initdb.log" 2>&1 \
        || { cat "$dir/../initdb.log" >&2; exit 1; }
      # Tests favour speed over durability: the cluster is thrown away afterwards.
      cat >>"$dir/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
shared_buffers = 256MB
CONF
    fi
    if as_owner "$bindir/pg_ctl" -D "$dir" status >/dev/null 2>&1; then
      port=$(sed -n 4p "$dir/postmaster.pid") # already running: keep its port
    else
      as_owner "$bindir/pg_ctl" -D "$dir" -o "-p $port" -l "$dir/server.log" -w -t 60 start >/dev/null
    fi
    echo "postgres://postgres@127.0.0.1:$port/postgres"
    ;;
  status)
    [[ -f "$dir/PG_VERSION" ]] && as_owner "$bindir/pg_ctl" -D "$dir" status >/dev/null 2>&1
    ;;
  stop)
    as_owner "$bindir/pg_ctl" -D "$dir" -m fast -w stop >/dev/null 2>&1 || true
    ;;
  *)
    echo "usage: pg-cluster.sh start|status|stop <dir> [port]" >&2
    exit 2
    ;;
esac
