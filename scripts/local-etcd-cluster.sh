#!/usr/bin/env bash
# Starts a 3-member etcd cluster on loopback (free ports, a temp data dir, --pre-vote=true),
# proves it healthy (every member healthy, one leader, a write and a linearizable read),
# prints its status and stops it again. Everything is removed on every exit path.
set -euo pipefail
members=${MEMBERS:-3}
dir=$(mktemp -d -t hybridstore-etcd.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT INT TERM

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() {
  local p
  while :; do
    p=$((20000 + RANDOM % 20000))
    if port_free "$p"; then echo "$p"; return; fi
  done
}

declare -a client peer
cluster=""
for i in $(seq 1 "$members"); do
  client[$i]=$(free_port); peer[$i]=$(free_port)
  cluster+="${cluster:+,}m$i=http://127.0.0.1:${peer[$i]}"
done
endpoints=""
for i in $(seq 1 "$members"); do
  endpoints+="${endpoints:+,}http://127.0.0.1:${client[$i]}"
  etcd --name "m$i" --data-dir "$dir/m$i" \
    --listen-client-urls "http://127.0.0.1:${client[$i]}" --advertise-client-urls "http://127.0.0.1:${client[$i]}" \
    --listen-peer-urls "http://127.0.0.1:${peer[$i]}" --initial-advertise-peer-urls "http://127.0.0.1:${peer[$i]}" \
    --initial-cluster "$cluster" --initial-cluster-state new --initial-cluster-token "hs-$$" \
    --heartbeat-interval 50 --election-timeout 500 --pre-vote=true \
    --logger zap --log-level warn --log-outputs stderr 2>"$dir/m$i.log" &
  pids+=($!)
done

export ETCDCTL_API=3
started=$(date +%s%N)
for _ in $(seq 1 150); do
  if etcdctl --endpoints="$endpoints" --command-timeout=1s endpoint health >/dev/null 2>&1; then
    break
  fi
  sleep 0.2
done
if ! etcdctl --endpoints="$endpoints" --command-timeout=2s endpoint health; then
  echo "etcd cluster did not become healthy; logs in $dir" >&2
  tail -n 20 "$dir"/*.log >&2 || true
  exit 1
fi
echo "healthy after $(( ($(date +%s%N) - started) / 1000000 )) ms"
etcdctl --endpoints="$endpoints" endpoint status -w table
etcdctl --endpoints="$endpoints" put /hybridstore/smoke ok >/dev/null
value=$(etcdctl --endpoints="$endpoints" get --print-value-only /hybridstore/smoke)
[ "$value" = ok ] || { echo "write/read check failed: '$value'" >&2; exit 1; }
leaders=$(etcdctl --endpoints="$endpoints" endpoint status -w json | grep -o '"leader":[0-9]*' | sort -u | wc -l)
[ "$leaders" = 1 ] || { echo "members disagree on the leader" >&2; exit 1; }
echo "etcd cluster of $members members: healthy, one leader, write + linearizable read ok. Stopping it."
