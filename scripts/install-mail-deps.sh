#!/usr/bin/env bash
# Installs the binaries the mail integration tests need (Dovecot IMAP + LMTP) on Debian/Ubuntu. Idempotent:
# does nothing when `dovecot` is already installed. Tests run their own private instance through
# scripts/dovecot.sh, so the system service is neither needed nor started: a temporary policy-rc.d stops
# the package's postinst from starting it (works with and without systemd, and in containers where the
# start would fail).
set -euo pipefail

PACKAGES=(dovecot-imapd dovecot-lmtpd)

have_dovecot() {
  command -v dovecot >/dev/null 2>&1 || [[ -x /usr/sbin/dovecot ]]
}

if have_dovecot; then
  dovecot_bin="$(command -v dovecot 2>/dev/null || echo /usr/sbin/dovecot)"
  echo "install-mail-deps: dovecot already installed ($("$dovecot_bin" --version))"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-mail-deps: apt-get not found; install Dovecot 2.3 (imapd) manually" >&2
  exit 1
fi

SUDO=()
if [[ "$(id -u)" -ne 0 ]]; then
  command -v sudo >/dev/null 2>&1 || {
    echo "install-mail-deps: must run as root (or have sudo) to install ${PACKAGES[*]}" >&2
    exit 1
  }
  SUDO=(sudo)
fi

export DEBIAN_FRONTEND=noninteractive

# Keep the package from starting (and binding 143/993 with) the system Dovecot service.
POLICY=/usr/sbin/policy-rc.d
created_policy=0
if [[ ! -e "$POLICY" ]]; then
  printf '#!/bin/sh\n# temporary, created by scripts/install-mail-deps.sh\nexit 101\n' | "${SUDO[@]}" tee "$POLICY" >/dev/null
  "${SUDO[@]}" chmod 0755 "$POLICY"
  created_policy=1
fi
cleanup() {
  if [[ "$created_policy" -eq 1 ]]; then
    "${SUDO[@]}" rm -f "$POLICY"
  fi
}
trap cleanup EXIT

# Only refresh the package lists when apt does not know the package yet (fresh containers have none).
candidate="$(apt-cache policy "${PACKAGES[0]}" 2>/dev/null | awk '/Candidate:/ {print $2}')"
if [[ -z "$candidate" || "$candidate" == "(none)" ]]; then
  "${SUDO[@]}" apt-get update -qq
fi

"${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}"

if ! have_dovecot; then
  echo "install-mail-deps: dovecot still missing after apt-get install" >&2
  exit 1
fi

# If a service manager started the system instance anyway, stop it; tests never use it.
if command -v systemctl >/dev/null 2>&1 && [[ -d /run/systemd/system ]]; then
  "${SUDO[@]}" systemctl stop dovecot.service dovecot.socket >/dev/null 2>&1 || true
  "${SUDO[@]}" systemctl disable dovecot.service dovecot.socket >/dev/null 2>&1 || true
fi

dovecot_bin="$(command -v dovecot 2>/dev/null || echo /usr/sbin/dovecot)"
echo "install-mail-deps: installed $("$dovecot_bin" --version)"
