# Embedded defaults for a local run; every value can be overridden from the environment.
# Sourced by scripts/run.sh and the test set-up.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export ONEVISIT_HOST="${ONEVISIT_HOST:-127.0.0.1}"
export RASA_PORT="${RASA_PORT:-5005}"
export ACTION_PORT="${ACTION_PORT:-5055}"
export WEB_PORT="${WEB_PORT:-8080}"
export BACKEND_PORT="${BACKEND_PORT:-8090}"
export CONSOLE_PORT="${CONSOLE_PORT:-8070}"   # the 12345 console API (python -m bot.console serve), loopback
export CONSOLE_URL="${CONSOLE_URL:-http://127.0.0.1:$CONSOLE_PORT}"
# the console tells Rasa (loopback) when an agent hands a conversation back; a fresh secret for every local start
export CONSOLE_RASA_HOOK_URL="${CONSOLE_RASA_HOOK_URL:-http://127.0.0.1:$RASA_PORT/webhooks/handoff_hook/webhook}"
export CONSOLE_RASA_HOOK_TOKEN="${CONSOLE_RASA_HOOK_TOKEN:-$(head -c 24 /dev/urandom | base64 | tr -d '/+=\n')}"
export EDGE_HOST="${EDGE_HOST:-$ONEVISIT_HOST}"   # the edge (python -m bot.edge) is the only public process
export RASA_URL="${RASA_URL:-http://127.0.0.1:$RASA_PORT}"   # Rasa listens on loopback only
export DATABASE_URL="${DATABASE_URL:-sqlite:///$ROOT/var/onevisit.db}"
export TRACKER_STORE_URL="${TRACKER_STORE_URL:-sqlite:///$ROOT/var/tracker.db}"
export BACKEND_DATABASE_URL="${BACKEND_DATABASE_URL:-sqlite:///$ROOT/var/backend.db}"
export ACTION_ENDPOINT_URL="${ACTION_ENDPOINT_URL:-http://$ONEVISIT_HOST:$ACTION_PORT/webhook}"
export CASE_API_URL="${CASE_API_URL:-http://$ONEVISIT_HOST:$BACKEND_PORT}"
export CASE_API_TOKEN="${CASE_API_TOKEN:-dev-token}"
# the shared secret Rasa sends to the action server; a fresh one for every local start unless given
export ACTION_SERVER_TOKEN="${ACTION_SERVER_TOKEN:-$(head -c 24 /dev/urandom | base64 | tr -d '/+=\n')}"
export RASA_TELEMETRY_ENABLED=false
export SQLALCHEMY_SILENCE_UBER_WARNING=1
export TF_CPP_MIN_LOG_LEVEL=2
