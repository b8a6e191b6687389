#!/usr/bin/env bash
# `make down`: stop what scripts/up.sh started, front to back (edge first, PostgreSQL last).
# Only processes named in UP_DIR/pids are stopped, and only if they still run the program started there.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
UP_DIR="${UP_DIR:-$ROOT/var/up}"
PIDS="$UP_DIR/pids"
stopped=0

# the word each service's command line contains, so a reused pid is never signalled
expected() {
  case "$1" in
    edge) echo bot.edge ;; haproxy) echo haproxy ;; rasa-*) echo rasa ;;
    actions-*) echo actions.server ;; backend) echo backend ;; redis) echo redis-server ;; *) echo "$1" ;;
  esac
}

# running, and not a zombie waiting for its parent
alive() { kill -0 "$1" 2>/dev/null && [ "$(ps -o stat= -p "$1" 2>/dev/null | cut -c1)" != Z ]; }

# signal one pid file's process group (if it is still ours); print its pid
signal_one() {  # PIDFILE SIGNAL
  local pid name
  read -r pid name <"$1" || true
  name="${name:-$(basename "$1" .pid)}"
  if [[ "$pid" =~ ^[0-9]+$ ]] && alive "$pid" \
     && grep -qa -- "$(expected "$name")" "/proc/$pid/cmdline" 2>/dev/null; then
    kill "-$2" -- "-$pid" 2>/dev/null || kill "-$2" "$pid" 2>/dev/null || true
    echo "$pid"
  fi
}

# stop one tier (its processes at once), wait up to 20 s, then force
stop_tier() {  # PATTERN...
  local pattern pidfile pid name waiting=()
  for pattern in "$@"; do
    for pidfile in "$PIDS"/$pattern.pid; do
      [ -e "$pidfile" ] || continue
      pid=$(signal_one "$pidfile" TERM)
      if [ -n "$pid" ]; then waiting+=("$pidfile"); else rm -f "$pidfile"; fi
    done
  done
  [ ${#waiting[@]} -gt 0 ] || return 0
  for _ in $(seq 1 100); do
    local remaining=0
    for pidfile in "${waiting[@]}"; do
      read -r pid name <"$pidfile"; if alive "$pid"; then remaining=1; fi
    done
    [ "$remaining" = 1 ] || break
    sleep 0.2
  done
  for pidfile in "${waiting[@]}"; do
    read -r pid name <"$pidfile"
    if alive "$pid"; then
      echo "  · $name 未在 20 秒内退出，强制结束"
      signal_one "$pidfile" KILL >/dev/null
    fi
    echo "  ✓ 已停止 $name"
    stopped=$((stopped + 1))
    rm -f "$pidfile"
  done
}

echo "==> 停止水平扩展拓扑"
if [ -d "$PIDS" ]; then
  # front to back: no new messages, then the servers, then what they use
  stop_tier edge
  stop_tier haproxy
  stop_tier 'rasa-*'
  stop_tier 'actions-*' backend
  stop_tier redis
fi

PGDATA="$UP_DIR/pg/data"
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -n "$PGBIN" ] && [ -f "$PGDATA/postmaster.pid" ]; then
  AS=()
  if [ "$(id -u)" = 0 ]; then AS=(runuser -u postgres --); fi
  if "${AS[@]}" "$PGBIN/pg_ctl" -D "$PGDATA" -m fast -w -t 60 stop >/dev/null 2>&1; then
    echo "  ✓ 已停止 PostgreSQL（数据保留在 ${PGDATA#"$ROOT"/}）"
    stopped=$((stopped + 1))
  fi
fi
[ "$stopped" -gt 0 ] || echo "  没有正在运行的服务"
