#!/usr/bin/env bash
# Installs what Nice.MLNet needs on a Debian 12 machine, idempotently: nothing is touched when it is there.
#   - libstdc++ with GLIBCXX_3.4.32 (TorchSharp 0.107's native library is built with GCC 13+; Debian 12
#     ships GCC 12's), taken from Debian 13 "trixie" pinned low so nothing else moves to trixie.
#   - with --fashion-mnist: the Debian package dataset-fashion-mnist (benchmarks and image demos only).
# On Windows, macOS or an Ubuntu with GCC 13+ there is nothing to do: `dotnet test` alone works.
set -euo pipefail

want_fashion=0
for a in "$@"; do
  case "$a" in
    --fashion-mnist) want_fashion=1 ;;
    *) echo "prereqs.sh: unknown option '$a' (expected --fashion-mnist)" >&2; exit 2 ;;
  esac
done

[ "$(uname -s)" = Linux ] || exit 0

have_glibcxx() {
  local lib
  for lib in /usr/lib/x86_64-linux-gnu/libstdc++.so.6 /usr/lib/aarch64-linux-gnu/libstdc++.so.6 /usr/lib64/libstdc++.so.6; do
    [ -e "$lib" ] && grep -qa 'GLIBCXX_3\.4\.32' "$lib" && return 0
  done
  return 1
}

sudo_() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

apt_updated=0
apt_update_once() {
  if [ "$apt_updated" = 0 ]; then sudo_ apt-get update -qq; apt_updated=1; fi
}

if ! have_glibcxx; then
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "prereqs.sh: this machine's libstdc++ lacks GLIBCXX_3.4.32, which TorchSharp 0.107 needs;" >&2
    echo "install libstdc++ from GCC 13 or newer with your package manager." >&2
    exit 1
  fi
  . /etc/os-release
  if [ "${VERSION_CODENAME:-}" = bookworm ]; then
    echo "prereqs.sh: installing libstdc++6 from Debian trixie (pinned low) for GLIBCXX_3.4.32" >&2
    sudo_ tee /etc/apt/sources.list.d/nice-mlnet-trixie.sources >/dev/null <<'SRC'
Types: deb
URIs: http://deb.debian.org/debian
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
    sudo_ tee /etc/apt/preferences.d/nice-mlnet-trixie >/dev/null <<'PIN'
Package: *
Pin: release n=trixie
Pin-Priority: 100
PIN
    apt_update_once
    sudo_ env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -t trixie libstdc++6 >/dev/null
  else
    apt_update_once
    sudo_ env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libstdc++6 >/dev/null
  fi
  have_glibcxx || { echo "prereqs.sh: libstdc++ still lacks GLIBCXX_3.4.32" >&2; exit 1; }
fi

if [ "$want_fashion" = 1 ] && [ ! -e /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ]; then
  apt_update_once
  sudo_ env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dataset-fashion-mnist >/dev/null
fi
exit 0
