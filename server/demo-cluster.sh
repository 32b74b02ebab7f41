#!/usr/bin/env bash
# `make demo-cluster`: three zkauth-server instances (127.0.0.1:8080-8082) on one throwaway
# PostgreSQL cluster, behind zkauth-lb's round-robin on http://localhost:8090, serving the
# login page. Every request may land on another instance; logins, sessions and codes still
# work because all state is in the database. Ctrl-C stops everything (and the cluster).
# Run through server/tests/with-postgres.sh, which provides ZKAUTH_TEST_POSTGRES.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${ZKAUTH_TEST_POSTGRES:?run through server/tests/with-postgres.sh}"
dir=target/demo-cluster
rm -rf "$dir" && mkdir -p "$dir"
psql "$ZKAUTH_TEST_POSTGRES/postgres" -q -c "CREATE DATABASE zkauth_demo" >/dev/null
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true' EXIT INT TERM
for port in 8080 8081 8082; do
  cat >"$dir/$port.toml" <<TOML
issuer = "http://localhost:8090"
listen = "127.0.0.1:$port"
data_dir = "$dir/data"
database = "$ZKAUTH_TEST_POSTGRES/zkauth_demo"
login_page_dir = "www/login"
sdk_dir = "pkg"
# zkauth-lb (on this host) appends the client's address to X-Forwarded-For.
trusted_proxies = ["127.0.0.1/32"]
TOML
  "${CARGO_TARGET_DIR:-target}"/debug/zkauth-server --config "$dir/$port.toml" --dev 2>>"$dir/$port.log" &
  pids+=($!)
  # The first instance creates the sealed secrets; the others open them.
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/opaque/config" >/dev/null && break; sleep 0.1; done
done
"${CARGO_TARGET_DIR:-target}"/debug/zkauth-lb 127.0.0.1:8090 127.0.0.1:8080 127.0.0.1:8081 127.0.0.1:8082 &
pids+=($!)
echo "zkauth cluster: login page http://localhost:8090 (round-robin over :8080 :8081 :8082, PostgreSQL). Ctrl-C stops."
wait
