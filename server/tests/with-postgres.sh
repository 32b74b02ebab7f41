#!/usr/bin/env bash
# Runs a command against a throwaway PostgreSQL 15 cluster: created under target/pg, on a free
# loopback port, trust auth on 127.0.0.1 only, stopped (and deleted) when the command ends,
# also on failure or Ctrl-C. PostgreSQL refuses to run as root, so as root the cluster runs
# as the `postgres` user. The command sees ZKAUTH_TEST_POSTGRES=postgres://postgres@127.0.0.1:PORT
# and ZKAUTH_TEST_PG_BIN (the cluster's binaries: pg_dump, pg_restore).
#
#   server/tests/with-postgres.sh cargo test -p zkauth-server --test http
set -euo pipefail
cd "$(dirname "$0")/../.."

bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)
[ -x "$bin/initdb" ] || { echo "with-postgres: PostgreSQL server binaries not found (apt-get install postgresql)"; exit 1; }

root=$(pwd)/target/pg
rm -rf "$root"
mkdir -p "$root"
as_pg=()
if [ "$(id -u)" = 0 ]; then
  chown postgres "$root"
  as_pg=(runuser -u postgres --)
fi
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

stop() {
  "${as_pg[@]}" "$bin/pg_ctl" -D "$root/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$root"
}
trap stop EXIT INT TERM

"${as_pg[@]}" "$bin/initdb" -D "$root/data" -U postgres --auth=trust --no-sync -E UTF8 >"$root/initdb.log" 2>&1 \
  || { cat "$root/initdb.log"; exit 1; }
"${as_pg[@]}" "$bin/pg_ctl" -D "$root/data" -l "$root/server.log" -w -t 30 \
  -o "-p $port -k $root -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null \
  || { cat "$root/server.log"; exit 1; }
echo "with-postgres: PostgreSQL on 127.0.0.1:$port (data in $root, removed at exit)"

# For fault tests: `$root/ctl.sh stop|start` stops or restarts this cluster.
cat >"$root/ctl.sh" <<CTL
#!/usr/bin/env bash
case "\$1" in
  stop) ${as_pg[*]} "$bin/pg_ctl" -D "$root/data" -m fast -w stop ;;
  start) ${as_pg[*]} "$bin/pg_ctl" -D "$root/data" -l "$root/server.log" -w -t 30 -o "-p $port -k $root -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start ;;
esac
CTL
chmod +x "$root/ctl.sh"
export ZKAUTH_TEST_PG_CTL="$root/ctl.sh"

export ZKAUTH_TEST_PG_BIN="$bin"
export ZKAUTH_TEST_POSTGRES="postgres://postgres@127.0.0.1:$port"
"$@"
