#!/usr/bin/env bash
# Installs the Debian packages the tests need, once: make test calls it, and
# so does .ci/run. Nothing is installed when everything is there already.
# As root it runs apt-get itself; otherwise through sudo when sudo works
# without a password; else it prints the one command to run and fails.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
need=()
command -v chromium >/dev/null || need+=(chromium)            # browser tests
command -v mosquitto >/dev/null || need+=(mosquitto)          # the external-broker tests
command -v curl >/dev/null || need+=(curl)
command -v flock >/dev/null || need+=(util-linux)             # scripts/weed.sh
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)   # make test-go-pg starts its own cluster
dpkg -s fonts-noto-cjk >/dev/null 2>&1 || need+=(fonts-noto-cjk)   # Chinese text in screenshots
# make test-hw: Debian's kernel under qemu (TCG) with a busybox initramfs
command -v qemu-system-x86_64 >/dev/null || need+=(qemu-system-x86)
[ -x /bin/busybox ] || need+=(busybox-static)
command -v cpio >/dev/null || need+=(cpio)
command -v depmod >/dev/null || need+=(kmod)
command -v npm >/dev/null || need+=(npm)                      # playwright-core for the browser tests
[ ${#need[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
  as=()
elif sudo -n true 2>/dev/null; then
  as=(sudo -n)
else
  echo "the tests need these Debian packages: ${need[*]}" >&2
  echo "install them once with: sudo apt-get install --no-install-recommends ${need[*]}" >&2
  exit 1
fi
echo "deps.sh: installing ${need[*]}" >&2
"${as[@]}" apt-get update -qq
"${as[@]}" apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
# The tests start their own broker and database: the system services that
# the packages start are not needed.
for svc in mosquitto postgresql; do
  "${as[@]}" systemctl disable --now "$svc" >/dev/null 2>&1 || "${as[@]}" service "$svc" stop >/dev/null 2>&1 || true
done
