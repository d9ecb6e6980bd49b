#!/usr/bin/env bash
# Makes sure a Redis answers on 127.0.0.1:6379 for the scale-out tests: uses the machine's
# own when it answers, else starts a throwaway one (nothing kept on disk).
set -euo pipefail
if redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; then
  exit 0
fi
redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
  --dir "$(mktemp -d)" --logfile /tmp/medspa-ci-redis.log
for _ in $(seq 1 50); do
  redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG && exit 0
  sleep 0.1
done
echo "Redis did not start on 127.0.0.1:6379" >&2
exit 1
