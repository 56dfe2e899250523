#!/usr/bin/env bash
# Runs the hub and three simulated rooms until Ctrl-C, then stops both.
set -euo pipefail
http=${1:-127.0.0.1:8080}
mqtt=${2:-127.0.0.1:1883}
control=${3:-127.0.0.1:8090}
mkdir -p var
# deploy/hub/demo.json sets insecure_dev: plain HTTP and MQTT, so a browser opens the page without a
# certificate warning. Boxes still sign their MQTT password and every
# segment, and the broker keeps each box to its own room's topics.
bin/evalroom-hub serve --config deploy/hub/demo.json --http "$http" --mqtt "$mqtt" 2> >(sed 's/^/[hub] /' >&2) &
hub=$!
# The rooms stop first, so they do not report the hub gone; Ctrl-C is a
# normal end, not a failure of make demo.
stop() {
  [ -n "${sim:-}" ] && { kill -INT "$sim" 2>/dev/null; wait "$sim" || true; }
  kill -INT "$hub" 2>/dev/null; wait "$hub" || true
  echo "demo stopped"
  exit 0
}
trap stop EXIT
trap 'exit 0' INT TERM
for _ in $(seq 100); do
  curl -fsS "http://$http/healthz" >/dev/null 2>&1 && break
  kill -0 $hub 2>/dev/null || { echo "the hub did not start: is $http or $mqtt in use? Set DEMO_HTTP/DEMO_MQTT." >&2; exit 1; }
  sleep 0.1
done
# Sign-in: an operator's API token for the simulator to create its rooms,
# and a regulator of Liuzhou (450200: the simulated rooms' two districts)
# with a new password every run (user passwd when the user is there already).
token=$(bin/evalroom-hub token create --data var/hub --role operator --name demo-simulator --ttl 24h)
user=regulator
pass=$(head -c 12 /dev/urandom | base64 | tr '+/' '-_')
printf '%s\n' "$pass" | bin/evalroom-hub user add --data var/hub --username "$user" --role regulator --scope 450200 \
    --name 演示监管员 --password-stdin >/dev/null 2>&1 ||
  printf '%s\n' "$pass" | bin/evalroom-hub user passwd --data var/hub --username "$user" --password-stdin >/dev/null
bin/evalroom-sim --hub "http://$http" --mqtt "$mqtt" --rooms 3 --data var/sim --control "$control" --token "$token" 2> >(sed 's/^/[sim] /' >&2) &
sim=$!
cat <<MSG

  evalroom demo is running. Open  http://$http/  in a browser
  and sign in as  $user  with the password  $pass
  (a regulator of 柳州市, 450200; a new password every run).
  It runs with --insecure-dev: plain HTTP and MQTT on loopback, for trying
  it out on this machine only. A real hub serves HTTPS and MQTT over TLS
  with a certificate for every box (see README, "Certificates").
  Simulator control: curl -X POST $control/rooms/room-1/streams/cam1/fault -d '{"fault":"black"}'
  Press Ctrl-C to stop.

MSG
wait $sim
