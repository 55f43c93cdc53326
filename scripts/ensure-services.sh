#!/usr/bin/env bash
# Make sure PostgreSQL (127.0.0.1:5432) and Redis (127.0.0.1:6379), which the
# test suite uses, are running; start them with the machine's own commands if
# they are installed but stopped. Fails with a clear message otherwise.
set -uo pipefail
pg_up() { python3 - <<'PY'
import socket, sys
s = socket.socket(); s.settimeout(1)
sys.exit(0 if s.connect_ex(("127.0.0.1", 5432)) == 0 else 1)
PY
}
redis_up() { python3 - <<'PY'
import socket, sys
s = socket.socket(); s.settimeout(1)
sys.exit(0 if s.connect_ex(("127.0.0.1", 6379)) == 0 else 1)
PY
}
if ! pg_up; then
    echo "[services] starting PostgreSQL"
    if ! command -v pg_ctlcluster >/dev/null 2>&1; then
        [[ "$(id -u)" -eq 0 ]] && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    fi
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
    for _ in $(seq 1 30); do pg_up && break; sleep 1; done
fi
if ! redis_up; then
    echo "[services] starting Redis"
    command -v redis-server >/dev/null 2>&1 || { [[ "$(id -u)" -eq 0 ]] && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null; }
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no || true
    for _ in $(seq 1 30); do redis_up && break; sleep 1; done
fi
pg_up || { echo "[services] PostgreSQL is not reachable on 127.0.0.1:5432" >&2; exit 1; }
redis_up || { echo "[services] Redis is not reachable on 127.0.0.1:6379" >&2; exit 1; }
echo "[services] PostgreSQL and Redis are up"
