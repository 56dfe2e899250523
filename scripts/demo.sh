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
# start NAME CMD…: CMD in a process group of its own, its output prefixed
# with [NAME]. A Ctrl-C at the terminal goes to the whole foreground group
# at once; kept out of it, the hub and the rooms hear it only from stop(),
# rooms first. The shell and sed ignore the INT that stop() sends the group.
start() {
  setsid bash -c 'trap "" INT; "$@" 2>&1 | sed -u "s/^/[$0] /"' "$@" >&2 &
}
start hub bin/evalroom-hub serve --config deploy/hub/demo.json --http "$http" --mqtt "$mqtt"
hub=$!
# The rooms stop first, so they do not report the hub gone; Ctrl-C is a
# normal end, not a failure of make demo.
stop() {
  [ -n "${sim:-}" ] && { kill -INT -- "-$sim" 2>/dev/null; wait "$sim" || true; }
  kill -INT -- "-$hub" 2>/dev/null; wait "$hub" || true
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
# and the demo's people, each with a new password every run (user passwd
# when the user is there already): a regulator of Liuzhou (450200: the
# simulated rooms' two districts), two people of a purchaser unit (maker
# and checker differ), the admin and staff of the agency of room-1 and
# room-2, and two suppliers.
token=$(bin/evalroom-hub token create --data var/hub --role operator --name demo-simulator --ttl 24h)
declare -A pw
person() { # username role scope name
  pw[$1]=$(head -c 12 /dev/urandom | base64 | tr '+/' '-_')
  printf '%s\n' "${pw[$1]}" | bin/evalroom-hub user add --data var/hub --username "$1" --role "$2" --scope "$3" \
      --name "$4" --password-stdin >/dev/null 2>&1 ||
    printf '%s\n' "${pw[$1]}" | bin/evalroom-hub user passwd --data var/hub --username "$1" --password-stdin >/dev/null
}
person regulator regulator 450200 演示监管员
person buyer purchaser lj-school 王采购（柳江区实验学校）
person buyer-checker purchaser lj-school 李审核（柳江区实验学校）
person agency-admin agency-admin lz-shifan 周主任（柳州示范招标代理）
person agency agency-staff lz-shifan 赵经办（柳州示范招标代理）
person supplier-desk supplier gx-desk 广西课桌有限公司
person supplier-chair supplier gx-chair 柳州座椅制造有限公司
# Who qualifies the agency (only a qualified agency takes entrustments): the
# platform's operator, a technician of its rooms, four more of its staff.
person operator operator "" 平台运维（演示）
person technician technician room-1,room-2 刘技术员（设备验收）
for i in 2 3 4 5; do person staff-$i agency-staff lz-shifan "专职人员$i（柳州示范招标代理）"; done
user=regulator
pass=${pw[regulator]}
# One open tender part-way through, made once by those people through the
# hub's API (evalroom-sim workflow): published, a supplier's challenge
# waiting for the agency's reply, a second entrustment waiting for intake.
# The rooms first: the agency's rooms pass acceptance from what their boxes
# report before the agency is qualified and takes the tender.
start sim bin/evalroom-sim --hub "http://$http" --mqtt "$mqtt" --rooms 3 --data var/sim --control "$control" --token "$token"
sim=$!
if [ ! -e var/demo-workflow ]; then
  bank=hub/onboarding/bank/sample.json
  [ -e var/hub/exam-bank.json ] && bank=var/hub/exam-bank.json
  umask 077
  cat > var/demo-cast.json <<CAST
{"maker": {"username": "buyer", "password": "${pw[buyer]}"}, "checker": {"username": "buyer-checker", "password": "${pw[buyer-checker]}"},
 "agency": {"username": "agency", "password": "${pw[agency]}"}, "supplier": {"username": "supplier-desk", "password": "${pw[supplier-desk]}"},
 "agency_id": "lz-shifan", "jurisdiction": "450206",
 "onboarding": {"operator": {"username": "operator", "password": "${pw[operator]}"},
  "admin": {"username": "agency-admin", "password": "${pw[agency-admin]}"},
  "technician": {"username": "technician", "password": "${pw[technician]}"},
  "staff": [{"username": "agency", "password": "${pw[agency]}"}, {"username": "staff-2", "password": "${pw[staff-2]}"},
   {"username": "staff-3", "password": "${pw[staff-3]}"}, {"username": "staff-4", "password": "${pw[staff-4]}"},
   {"username": "staff-5", "password": "${pw[staff-5]}"}],
  "rooms": ["room-1", "room-2"], "bank": "$bank"}}
CAST
  umask 022
  bin/evalroom-sim workflow --hub "http://$http" --cast var/demo-cast.json > var/demo-workflow.tmp && mv var/demo-workflow.tmp var/demo-workflow
  rm -f var/demo-cast.json
fi
workflow=$(cat var/demo-workflow 2>/dev/null || echo "the demo's tender could not be made: see the lines above")
cat <<MSG

  evalroom demo is running. Open  http://$http/  in a browser
  and sign in as  $user  with the password  $pass
  (a regulator of 柳州市, 450200; a new password every run).
  The procurement workflow (采购项目), one open tender part-way through:
    $workflow
  Sign in as any of them (user name, password; new every run):
    buyer           ${pw[buyer]}   purchaser of lj-school, makes entrustments
    buyer-checker   ${pw[buyer-checker]}   purchaser of lj-school, reviews them
    agency-admin    ${pw[agency-admin]}   agency lz-shifan, administrator
    agency          ${pw[agency]}   agency lz-shifan, staff: intake, projects, challenges
    supplier-desk   ${pw[supplier-desk]}   supplier gx-desk (its challenge)
    supplier-chair  ${pw[supplier-chair]}   supplier gx-chair
    regulator       ${pw[regulator]}   regulator of 450200: rooms, projects, complaints
    operator        ${pw[operator]}   platform operator: the onboarding queue (入驻验收)
    technician      ${pw[technician]}   technician of room-1 and room-2: acceptance runs
    staff-2         ${pw[staff-2]}   agency lz-shifan staff (with agency, staff-3 … 5: passed the exam)
  It runs with --insecure-dev: plain HTTP and MQTT on loopback, for trying
  it out on this machine only. A real hub serves HTTPS and MQTT over TLS
  with a certificate for every box (see README, "Certificates").
  Simulator control: curl -X POST $control/rooms/room-1/streams/cam1/fault -d '{"fault":"black"}'
  Press Ctrl-C to stop.

MSG
wait $sim
