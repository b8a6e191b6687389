#!/usr/bin/env bash
# `make up`: the horizontal topology on this machine, in the background; `make down` stops it.
#
#   edge (WEB_PORT, the only public process) -> HAProxy rasa frontend (RASA_PORT)
#     -> RASA_REPLICAS x `rasa run` (RASA_PORT+1 ...)  -- PostgreSQL tracker store, Redis lock store
#     -> HAProxy action frontend (ACTION_PORT) -> ACTION_REPLICAS x action server (ACTION_PORT+1 ...)
#     -> backend (BACKEND_PORT, the reference case-status API)
#
# Everything but the edge listens on 127.0.0.1. State (PostgreSQL cluster, secrets, pid files, the
# rendered HAProxy config) lives in UP_DIR (var/up), logs in UP_LOG_DIR (var/log/up). Settings below can be
# overridden from the environment; the rest come from scripts/env.sh. See deploy/README.md.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"

# --- settings of this topology (the ports of the shared services come from scripts/env.sh) ---
export UP_DIR="${UP_DIR:-$ROOT/var/up}"
export UP_LOG_DIR="${UP_LOG_DIR:-$ROOT/var/log/up}"
export RASA_REPLICAS="${RASA_REPLICAS:-2}"
export ACTION_REPLICAS="${ACTION_REPLICAS:-2}"
export UP_PG_PORT="${UP_PG_PORT:-5433}"         # 5433: leaves a system PostgreSQL on 5432 alone
export REDIS_HOST="${REDIS_HOST:-127.0.0.1}"
export REDIS_PORT="${REDIS_PORT:-6380}"         # 6380: leaves a system Redis on 6379 alone
export HAPROXY_STATS_PORT="${HAPROXY_STATS_PORT:-8404}"
export UP_WAIT_SECONDS="${UP_WAIT_SECONDS:-300}"

PIDS="$UP_DIR/pids"
PY="$ROOT/.venv/bin/python"
mkdir -p "$UP_DIR" "$PIDS" "$UP_LOG_DIR"

fail() { echo "  ✗ $*" >&2; exit 1; }
STARTED=0  # once something runs, a failed start stops everything again
cleanup_on_failure() {
  local rc=$?
  if [ "$rc" -ne 0 ] && [ "$STARTED" = 1 ]; then
    echo "  启动未完成，正在停止已启动的服务..." >&2
    "$ROOT/scripts/down.sh" >/dev/null 2>&1 || true
  fi
}
trap cleanup_on_failure EXIT

# --- secrets: made once, kept in UP_DIR/secrets.env (mode 0600); given ones win ---
SECRETS="$UP_DIR/secrets.env"
if [ ! -f "$SECRETS" ] && [ -f "$UP_DIR/pg/data/PG_VERSION" ]; then
  fail "找不到 $SECRETS（其中有数据库口令）：请恢复该文件，或删除 $UP_DIR/pg 重新初始化数据库"
fi
if [ ! -f "$SECRETS" ]; then
  umask 077
  { echo "UP_PG_PASSWORD=$(head -c 24 /dev/urandom | base64 | tr -d '/+=\n')"
    echo "UP_REDIS_PASSWORD=$(head -c 24 /dev/urandom | base64 | tr -d '/+=\n')"; } >"$SECRETS"
  umask 022
fi
# shellcheck source=/dev/null
source "$SECRETS"
export REDIS_PASSWORD="${REDIS_PASSWORD:-$UP_REDIS_PASSWORD}"
PG_URL="postgresql://onevisit:$UP_PG_PASSWORD@127.0.0.1:$UP_PG_PORT"
export DATABASE_URL="${DATABASE_URL:-$PG_URL/onevisit}"
export TRACKER_STORE_URL="${TRACKER_STORE_URL:-$PG_URL/tracker}"
export BACKEND_DATABASE_URL="${BACKEND_DATABASE_URL:-$PG_URL/backend}"
# shellcheck source=scripts/env.sh
source "$ROOT/scripts/env.sh"   # ports, RASA_URL and ACTION_ENDPOINT_URL (HAProxy's frontends), tokens

# --- checks before anything starts ---
for pidfile in "$PIDS"/*.pid; do
  [ -e "$pidfile" ] || continue
  if kill -0 "$(cut -d' ' -f1 "$pidfile")" 2>/dev/null; then
    fail "拓扑已在运行（$(basename "$pidfile" .pid)）：请先运行 make down"
  fi
  rm -f "$pidfile"
done
for tool in redis-server redis-cli haproxy; do
  command -v "$tool" >/dev/null || fail "缺少 $tool：请运行 make services"
done
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$PGBIN" ] || [ ! -x "$PGBIN/initdb" ]; then fail "缺少 PostgreSQL：请运行 make postgres"; fi
[ -f models/onevisit.tar.gz ] || fail "缺少模型 models/onevisit.tar.gz：请运行 make train"
[[ "$RASA_REPLICAS" =~ ^[1-9]$ && "$ACTION_REPLICAS" =~ ^[1-9]$ ]] || fail "RASA_REPLICAS 和 ACTION_REPLICAS 须为 1–9"

RASA_PORTS=(); ACTION_PORTS=()
for i in $(seq 1 "$RASA_REPLICAS"); do RASA_PORTS+=($((RASA_PORT + i))); done
for i in $(seq 1 "$ACTION_REPLICAS"); do ACTION_PORTS+=($((ACTION_PORT + i))); done
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for port in "$WEB_PORT" "$RASA_PORT" "$ACTION_PORT" "$BACKEND_PORT" "$UP_PG_PORT" "$REDIS_PORT" \
            "$HAPROXY_STATS_PORT" "${RASA_PORTS[@]}" "${ACTION_PORTS[@]}"; do
  if port_busy "$port"; then fail "端口 $port 已被占用（make run 是否仍在运行？），请先停止占用它的程序"; fi
done

# --- helpers ---
# start NAME CMD...: a new session (so `make down` can stop the whole process group), log and pid file
start() {
  local name=$1; shift
  setsid "$@" >>"$UP_LOG_DIR/$name.log" 2>&1 </dev/null &
  echo "$! $name" >"$PIDS/$name.pid"
}
wait_for() {  # URL NAME LOGNAME: until the URL answers; a process that has exited is not waited for
  local pidfile="$PIDS/$3.pid"
  for _ in $(seq 1 "$UP_WAIT_SECONDS"); do
    if curl -fsS -m 5 -o /dev/null "$1" 2>/dev/null; then echo "  ✓ $2"; return 0; fi
    if [ -f "$pidfile" ] && ! kill -0 "$(cut -d' ' -f1 "$pidfile")" 2>/dev/null; then break; fi
    sleep 1
  done
  echo "  日志 $UP_LOG_DIR/$3.log 的最后几行：" >&2
  tail -n 15 "$UP_LOG_DIR/$3.log" 2>/dev/null | sed 's/^/    /' >&2
  fail "$2 未能启动，日志见 $UP_LOG_DIR/$3.log"
}
wait_all_up() {  # until HAProxy counts every Rasa and action replica UP (a replica busy warming up was marked DOWN)
  local csv="http://127.0.0.1:$HAPROXY_STATS_PORT/;csv"
  for _ in $(seq 1 "$UP_WAIT_SECONDS"); do
    # field 18 of HAProxy's CSV is the status; servers are the rows that are neither FRONTEND nor BACKEND
    if curl -fsS -m 5 "$csv" 2>/dev/null | awk -F, '($1 == "rasa" || $1 == "actions") && $2 != "FRONTEND" &&
        $2 != "BACKEND" { n++; if ($18 != "UP") down++ } END { exit !(n > 0 && down == 0) }'; then
      echo "  ✓ HAProxy 已把每个副本标为可用"; return 0
    fi
    sleep 1
  done
  fail "HAProxy 仍有副本不可用，状态见 http://127.0.0.1:$HAPROXY_STATS_PORT/ ，日志见 $UP_LOG_DIR/haproxy.log"
}
AS=()
if [ "$(id -u)" = 0 ]; then AS=(runuser -u postgres --); fi
psql_admin() { PGPASSWORD="$UP_PG_PASSWORD" "$PGBIN/psql" -h 127.0.0.1 -p "$UP_PG_PORT" -U onevisit "$@"; }

STARTED=1
echo "==> 启动水平扩展拓扑（状态在 ${UP_DIR#"$ROOT"/}，日志在 ${UP_LOG_DIR#"$ROOT"/}）"

# --- PostgreSQL: tracker store, catalog and reference backend, one database each ---
PGDATA="$UP_DIR/pg/data"
if [ ! -f "$PGDATA/PG_VERSION" ]; then
  echo "  · 初始化 PostgreSQL 数据目录"
  mkdir -p "$UP_DIR/pg"
  umask 077; printf '%s\n' "$UP_PG_PASSWORD" >"$UP_DIR/pg/pwfile"; umask 022
  [ ${#AS[@]} -eq 0 ] || chown -R postgres "$UP_DIR/pg"
  "${AS[@]}" "$PGBIN/initdb" -D "$PGDATA" -U onevisit --auth=scram-sha-256 --pwfile="$UP_DIR/pg/pwfile" >/dev/null
  rm -f "$UP_DIR/pg/pwfile"
fi
touch "$UP_LOG_DIR/postgres.log"
[ ${#AS[@]} -eq 0 ] || chown postgres "$UP_LOG_DIR/postgres.log"
"${AS[@]}" "$PGBIN/pg_ctl" -D "$PGDATA" -l "$UP_LOG_DIR/postgres.log" -w -t 60 start \
  -o "-p $UP_PG_PORT -k $UP_DIR/pg -c listen_addresses=127.0.0.1" >/dev/null || fail "PostgreSQL 未能启动，日志见 $UP_LOG_DIR/postgres.log"
echo "  ✓ PostgreSQL :$UP_PG_PORT"
for db in onevisit tracker backend; do
  if [ -z "$(psql_admin -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'")" ]; then
    psql_admin -d postgres -qc "CREATE DATABASE $db" >/dev/null
  fi
done

# --- Redis: the lock store (nothing to persist: locks live seconds) ---
umask 077
cat >"$UP_DIR/redis.conf" <<EOF
bind 127.0.0.1
port $REDIS_PORT
protected-mode yes
requirepass $REDIS_PASSWORD
save ""
appendonly no
dir $UP_DIR
maxmemory 128mb
maxmemory-policy noeviction
EOF
umask 022
start redis redis-server "$UP_DIR/redis.conf"
for _ in $(seq 1 50); do
  REDISCLI_AUTH="$REDIS_PASSWORD" redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG && break
  sleep 0.2
done
REDISCLI_AUTH="$REDIS_PASSWORD" redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG \
  || fail "Redis 未能启动，日志见 $UP_LOG_DIR/redis.log"
echo "  ✓ Redis（锁存储）:$REDIS_PORT"

# --- data: the catalog from knowledge/, retention of old conversations ---
echo "  · 载入知识库到 PostgreSQL"
"$PY" -m bot knowledge load >>"$UP_LOG_DIR/knowledge.log" 2>&1 || fail "知识库载入失败，日志见 $UP_LOG_DIR/knowledge.log"
"$PY" -m bot privacy purge >>"$UP_LOG_DIR/knowledge.log" 2>&1 || echo "  （对话保留期清理未完成，稍后可运行 python -m bot privacy purge）"

# --- the application processes ---
BACKEND_HOST=127.0.0.1 start backend "$PY" -m backend serve
for port in "${ACTION_PORTS[@]}"; do
  ACTION_HOST=127.0.0.1 ACTION_PORT=$port start "actions-$port" "$PY" -m actions.server
done
for port in "${RASA_PORTS[@]}"; do
  # PYTHONPATH: Rasa reads the logging config and loads bot.lockstore before it imports the project
  PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}" start "rasa-$port" "$PY" -m bot.rasa_runtime run -i 127.0.0.1 \
    -p "$port" -m models --credentials credentials.yml --endpoints config/endpoints.production.yml \
    --logging-config-file config/logging.yml
done

# --- HAProxy: round robin with health checks, one frontend for Rasa and one for the action servers ---
servers() {  # PREFIX PORT...
  local prefix=$1; shift
  for port in "$@"; do printf '    server %s-%s 127.0.0.1:%s check\n' "$prefix" "$port" "$port"; done
}
"$PY" - "$UP_DIR/haproxy.cfg" <<EOF
import sys
text = open("config/haproxy.cfg.template", encoding="utf-8").read()
values = {"RASA_PORT": "$RASA_PORT", "ACTION_PORT": "$ACTION_PORT", "HAPROXY_STATS_PORT": "$HAPROXY_STATS_PORT",
          "RASA_SERVERS": """$(servers rasa "${RASA_PORTS[@]}")""",
          "ACTION_SERVERS": """$(servers actions "${ACTION_PORTS[@]}")"""}
for name, value in values.items():
    text = text.replace("@" + name + "@", value)
assert "@" not in "".join(line.split("#")[0] for line in text.splitlines()), "unreplaced placeholder"
open(sys.argv[1], "w", encoding="utf-8").write(text)
EOF
haproxy -c -q -f "$UP_DIR/haproxy.cfg" || fail "HAProxy 配置有误：$UP_DIR/haproxy.cfg"
start haproxy haproxy -db -f "$UP_DIR/haproxy.cfg"

# --- the edge, in front of HAProxy's Rasa frontend (RASA_URL from scripts/env.sh) ---
start edge "$PY" -m bot.edge

wait_for "http://127.0.0.1:$BACKEND_PORT/v1/health" "办件查询后端 :$BACKEND_PORT" backend
for port in "${ACTION_PORTS[@]}"; do wait_for "http://127.0.0.1:$port/health" "动作服务 :$port" "actions-$port"; done
# Warm-up: an action server builds the catalog and resolver on its first call, blocking for up to a minute
# (longer than the edge waits, and long enough for HAProxy to mark it down). One harmless call each, now.
echo "  · 预热动作服务（载入事项目录和解析器，可能需要一两分钟）"
WARM_UP='{"next_action": "action_answer_affair", "sender_id": "warm-up", "version": "3.6.21", "domain": {},
  "tracker": {"sender_id": "warm-up", "slots": {}, "latest_message": {"text": "", "intent": {}, "entities": []},
  "events": [], "paused": false, "followup_action": null, "active_loop": {}, "latest_action_name": null}}'
warming=()
for port in "${ACTION_PORTS[@]}"; do
  curl -fsS -m "$UP_WAIT_SECONDS" -o /dev/null -H "Content-Type: application/json" -d "$WARM_UP" \
    -H @<(printf 'X-Action-Token: %s\n' "$ACTION_SERVER_TOKEN") "http://127.0.0.1:$port/webhook" & warming+=($!)
done
for pid in "${warming[@]}"; do wait "$pid" || fail "动作服务预热失败，日志见 $UP_LOG_DIR/actions-*.log"; done
echo "  ✓ 动作服务已预热"
wait_for "http://127.0.0.1:$ACTION_PORT/health" "HAProxy 动作服务入口 :$ACTION_PORT" haproxy
wait_for "http://$EDGE_HOST:$WEB_PORT/" "网页和对话入口 :$WEB_PORT" edge
for port in "${RASA_PORTS[@]}"; do
  wait_for "http://127.0.0.1:$port/" "Rasa 服务 :$port（加载模型需要一点时间）" "rasa-$port"
done
wait_for "http://127.0.0.1:$RASA_PORT/" "HAProxy Rasa 入口 :$RASA_PORT" haproxy
wait_all_up
echo
echo "一次办（水平扩展拓扑）已就绪：请在浏览器打开 http://$EDGE_HOST:$WEB_PORT/"
echo "  负载均衡状态：http://127.0.0.1:$HAPROXY_STATS_PORT/ （指标：/metrics）；停止：make down"
