#!/usr/bin/env bash
# System packages the test suite drives for real (never downloaded by the tools themselves):
# Debian's Chromium for the Playwright browser tests, Dovecot for the IMAP tests, nginx (and
# openssl for its throwaway certificate), systemd-analyze and docker-compose (which reads the
# compose file without a Docker daemon) for the deploy/ examples.
# Installs what is missing when it can (root, or sudo without a password); otherwise says so,
# and those tests skip — except on CI, where they fail.
set -euo pipefail

want=()
[ -x /usr/bin/chromium ] || want+=(chromium)
[ -x /usr/sbin/dovecot ] || want+=(dovecot-imapd)
[ -x /usr/sbin/nginx ] || want+=(nginx)
[ -x /usr/bin/openssl ] || want+=(openssl)
[ -x /usr/bin/systemd-analyze ] || want+=(systemd)
command -v docker-compose >/dev/null || want+=(docker-compose)
[ ${#want[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
  as_root=(sudo -n)
else
  echo "test-deps: cannot install ${want[*]} (not root, no sudo): those tests will be skipped" >&2
  exit 0
fi
if ! command -v apt-get >/dev/null; then
  echo "test-deps: no apt-get here; install ${want[*]} by hand to run every test" >&2
  exit 0
fi
echo "test-deps: installing ${want[*]}"
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get install -y -q --no-install-recommends "${want[@]}" >/dev/null 2>&1 || {
  "${as_root[@]}" apt-get update -q >/dev/null
  "${as_root[@]}" apt-get install -y -q --no-install-recommends "${want[@]}" >/dev/null
}
# Debian starts Dovecot and nginx as system services on install; the tests run their own.
for service in dovecot nginx; do
  package="$service"; [ "$service" = dovecot ] && package=dovecot-imapd
  if [[ " ${want[*]} " == *" $package "* ]]; then
    "${as_root[@]}" systemctl disable --now "$service" >/dev/null 2>&1 || "${as_root[@]}" service "$service" stop >/dev/null 2>&1 || true
  fi
done
