#!/usr/bin/env bash
# Safewatch as plain processes: the topology of compose.yaml without Docker.
#
#   RESQ_DATABASE_URL=postgresql+asyncpg://safewatch@127.0.0.1/resq \
#   ATLAS_DATABASE_URL=... HALO_DATABASE_URL=... REDIS_URL=redis://127.0.0.1:6379/0 \
#   deploy/run-processes.sh
#
# Migrates once, then runs REPLICAS API processes per service (no workers inside) and one
# worker process per service. Ctrl-C (or SIGTERM) stops them all.
#   SERVICES      services to run (default: "resq atlas halo")
#   REPLICAS      API processes per service (default: 2)
#   BASE_PORT     ResQ replicas listen on BASE_PORT, BASE_PORT+1, ...; Atlas on BASE_PORT+10...,
#                 Halo on BASE_PORT+20... (default: 8000)
#   HOST          interface to listen on (default: 127.0.0.1)
#   SAFEWATCH     the command (default: safewatch on PATH)
#   SERVE_ARGS    more arguments for every `serve`, e.g. "--demo" (default: none)
#   SAFEWATCH_DATA_DIR  shared by all processes: JWT secret, Atlas models (default: var)
set -euo pipefail

SERVICES=${SERVICES:-"resq atlas halo"}
REPLICAS=${REPLICAS:-2}
BASE_PORT=${BASE_PORT:-8000}
HOST=${HOST:-127.0.0.1}
SAFEWATCH=${SAFEWATCH:-safewatch}
SERVE_ARGS=${SERVE_ARGS:-}
export SAFEWATCH_DATA_DIR=${SAFEWATCH_DATA_DIR:-var}

for url in RESQ_DATABASE_URL ATLAS_DATABASE_URL HALO_DATABASE_URL REDIS_URL; do
  [[ -n "${!url:-}" ]] || echo "note: $url is not set; that service falls back to its default" >&2
done

pids=()
stop() {
  trap - INT TERM EXIT
  kill -TERM "${pids[@]}" 2>/dev/null || true
  wait || true
}
trap stop INT TERM EXIT

# shellcheck disable=SC2086
$SAFEWATCH migrate $SERVICES

offset=0
for service in $SERVICES; do
  for ((n = 0; n < REPLICAS; n++)); do
    port=$((BASE_PORT + offset + n))
    # shellcheck disable=SC2086
    $SAFEWATCH serve "$service" --no-worker --host "$HOST" "--$service-port" "$port" $SERVE_ARGS &
    pids+=($!)
    echo "$service replica $n: http://$HOST:$port" >&2
  done
  $SAFEWATCH worker "$service" &
  pids+=($!)
  offset=$((offset + 10))
done
wait -n
echo "a process exited; stopping the others" >&2
