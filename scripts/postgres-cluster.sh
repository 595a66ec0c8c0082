#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests: `start DIR` makes one in DIR (initdb as an unprivileged user, the
# `postgres` account when run as root), listening on 127.0.0.1 only, on a free port, and prints its URI:
#   postgresql://postgres@127.0.0.1:PORT/keyvault
# `standby PRIMARY_DIR DIR` makes a streaming standby of the cluster in PRIMARY_DIR (pg_basebackup -R) and prints its
# URI; `promote DIR` makes a standby the primary. `stop DIR` stops a cluster and removes DIR. Trust authentication on
# loopback: no other machine can connect, but every local user can, as superuser, while it runs: use it on a test
# machine of your own, never on a shared one. fsync is off (tests) unless PG_FSYNC=on (benchmarks).
set -euo pipefail
# The servers started here outlive this script, so they keep none of its caller's descriptors but the standard three:
# a test process's pipes to the keyvault runs other tests were making, held open by a server, kept their readers waiting
# for end-of-file until the cluster stopped.
for fd in /proc/$$/fd/*; do
    n=${fd##*/}
    if [ "$n" -gt 2 ]; then eval "exec $n>&-"; fi
done
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -n "$bin" ] || { echo "postgres-cluster: no PostgreSQL server (Debian package postgresql)" >&2; exit 1; }
as_owner() {
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
case "${1:-}" in
start)
    dir=$2
    mkdir -p "$dir"
    [ "$(id -u)" -eq 0 ] && chown postgres: "$dir"
    chmod 700 "$dir"
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    as_owner "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; exit 1; }
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c wal_level=replica -c max_wal_senders=4 -c fsync=${PG_FSYNC:-off}" start >/dev/null \
        || { cat "$dir/server.log" >&2; exit 1; }
    as_owner "$bin/psql" -q -h 127.0.0.1 -p "$port" -U postgres -d postgres -c "CREATE DATABASE keyvault" >/dev/null
    echo "$port" >"$dir/port"
    echo "postgresql://postgres@127.0.0.1:$port/keyvault"
    ;;
standby)
    primary=$2 dir=$3
    mkdir -p "$dir"
    [ "$(id -u)" -eq 0 ] && chown postgres: "$dir"
    chmod 700 "$dir"
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    as_owner "$bin/pg_basebackup" -h 127.0.0.1 -p "$(cat "$primary/port")" -U postgres -D "$dir/data" -R -X stream --checkpoint=fast >"$dir/basebackup.log" 2>&1 \
        || { cat "$dir/basebackup.log" >&2; exit 1; }
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $dir" start >/dev/null \
        || { cat "$dir/server.log" >&2; exit 1; }
    echo "$port" >"$dir/port"
    echo "postgresql://postgres@127.0.0.1:$port/keyvault"
    ;;
promote)
    as_owner "$bin/pg_ctl" -D "$2/data" -w promote >/dev/null
    ;;
stop)
    dir=$2
    [ -d "$dir/data" ] && as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$dir"
    ;;
*)
    echo "usage: $0 start DIR | standby PRIMARY_DIR DIR | promote DIR | stop DIR" >&2
    exit 2
    ;;
esac
