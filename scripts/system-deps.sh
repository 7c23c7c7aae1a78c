#!/usr/bin/env bash
# Debian packages the app and its tests need: Chromium (browser tests), PostgreSQL (the second
# database the suite runs on), Pango and fonts (WeasyPrint PDFs), OpenSSL (CMS cross-checks),
# redis-server (the job queue's networked backend, started by the tests on a private port),
# HAProxy (the balancer in front of the cluster test's three nodes), npm (fetches axe-core, the
# accessibility checker the browser tests inject).
# Installs only what is missing; needs root (or sudo) the first time.
set -euo pipefail

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
ldconfig -p 2>/dev/null | grep -q libpango-1.0 || need+=(libpango-1.0-0 libpangoft2-1.0-0)
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
[ -x /usr/sbin/haproxy ] || command -v haproxy >/dev/null 2>&1 || need+=(haproxy)
command -v npm >/dev/null 2>&1 || need+=(npm)

if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
echo "installing Debian packages: ${need[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
