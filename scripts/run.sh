#!/usr/bin/env bash
# Embedded mode: web + Celery worker + celery beat on the filesystem broker.
# Ctrl-C stops all three.
set -u
cd "$(dirname "$0")/.."
VENV=.venv
mkdir -p var/queue/in var/queue/processed var/queue/control
pids=()
stop() { trap - INT TERM EXIT; kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null; echo; echo "Keepwarm stopped."; }
trap stop INT TERM EXIT
"$VENV/bin/celery" -A crm worker --loglevel WARNING --concurrency 2 --pool prefork &
pids+=($!)
"$VENV/bin/celery" -A crm beat --loglevel WARNING --schedule var/celerybeat-schedule &
pids+=($!)
"$VENV/bin/python" manage.py runserver "127.0.0.1:${PORT:-8000}" --noreload &
pids+=($!)
sleep 2
echo
echo "  Keepwarm is running at http://127.0.0.1:${PORT:-8000}/"
echo "  Demo login: demo / keepwarm-demo   (Ctrl-C stops web, worker and beat)"
echo
wait -n
