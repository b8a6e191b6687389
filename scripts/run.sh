#!/usr/bin/env bash
# Start every process of the assistant (backend, action server, Rasa, edge); Ctrl-C stops all.
# Only the edge (pages and the chat webhook) may face the outside; Rasa listens on loopback without its HTTP API.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"
mkdir -p var/log
PY=.venv/bin/python
pids=()
stop() { trap - INT TERM EXIT; echo; echo "正在停止..."; kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap stop INT TERM EXIT

wait_for() {  # URL NAME LOG
  for _ in $(seq 1 180); do
    if curl -fsS -o /dev/null "$1" 2>/dev/null; then echo "  ✓ $2"; return 0; fi
    sleep 1
  done
  echo "  ✗ $2 未能启动，日志见 $3"; exit 1
}

# retention: conversations older than CONVERSATION_RETENTION_DAYS (default 30) are deleted at every start
$PY -m bot privacy purge >/dev/null 2>&1 || echo "  （对话保留期清理未完成，稍后可运行 python -m bot privacy purge）"
echo "启动服务（日志在 var/log/）..."
BACKEND_HOST=$ONEVISIT_HOST $PY -m backend serve >var/log/backend.log 2>&1 & pids+=($!)
$PY -m actions.server >var/log/actions.log 2>&1 & pids+=($!)
# PYTHONPATH: Rasa reads the logging config (which masks personal data) before it can import the project
PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}" $PY -m bot.rasa_runtime run -i 127.0.0.1 -p "$RASA_PORT" -m models \
  --credentials credentials.yml --endpoints endpoints.yml --logging-config-file config/logging.yml \
  >var/log/rasa.log 2>&1 & pids+=($!)
$PY -m bot.edge >var/log/edge.log 2>&1 & pids+=($!)
$PY -m bot.console serve >var/log/console.log 2>&1 & pids+=($!)

wait_for "http://$ONEVISIT_HOST:$BACKEND_PORT/v1/health" "办件查询后端 :$BACKEND_PORT" var/log/backend.log
wait_for "http://$ONEVISIT_HOST:$ACTION_PORT/health" "动作服务 :$ACTION_PORT" var/log/actions.log
wait_for "http://$EDGE_HOST:$WEB_PORT/" "网页和对话入口 :$WEB_PORT" var/log/edge.log
wait_for "http://127.0.0.1:$CONSOLE_PORT/api/health" "12345 坐席台 :$CONSOLE_PORT（只听本机）" var/log/console.log
wait_for "http://127.0.0.1:$RASA_PORT/" "Rasa 服务 :$RASA_PORT（加载模型需要一点时间）" var/log/rasa.log
echo
echo "一次办已就绪：请在浏览器打开 http://$EDGE_HOST:$WEB_PORT/ （按 Ctrl-C 停止）"
echo "12345 坐席台：http://127.0.0.1:$CONSOLE_PORT/console.html ，维护页：http://127.0.0.1:$CONSOLE_PORT/maintain.html"
echo "  首次使用先建账号：CONSOLE_PASSWORD=密码 .venv/bin/python -m bot.console add-user 名字 --role agent"
wait
