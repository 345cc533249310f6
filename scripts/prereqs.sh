#!/usr/bin/env bash
# Installs what Nice.MLNet needs on a Debian machine, idempotently: nothing is touched when it is there.
#   - a libstdc++ with GLIBCXX_3.4.32 (TorchSharp 0.107's native library is built with GCC 13+). Debian 12 ships GCC 12's;
#     the only packaged newer one is Debian 13 "trixie"'s, which needs trixie's glibc, whose libc6 in turn requires trixie's
#     base-files (so /etc/os-release then says Debian 13). The script works out exactly which packages must move (an apt
#     simulation in a private copy of apt's state, nothing written to the system), prints that list, and only then installs
#     it: trixie is pinned at priority 100 and same-source upgrades are switched off, so nothing else moves.
#   - with --fashion-mnist: the Debian package dataset-fashion-mnist (benchmarks and image demos only).
# NICE_NO_SYSTEM_CHANGES=1: change nothing; when something is missing, print what would move and the manual steps, exit 1.
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

no_changes=0
case "${NICE_NO_SYSTEM_CHANGES:-}" in ''|0|false|no) ;; *) no_changes=1 ;; esac

say() { echo "prereqs.sh: $*" >&2; }

have_glibcxx() {
  local lib
  for lib in /usr/lib/x86_64-linux-gnu/libstdc++.so.6 /usr/lib/aarch64-linux-gnu/libstdc++.so.6 /usr/lib64/libstdc++.so.6; do
    [ -e "$lib" ] && grep -qa 'GLIBCXX_3\.4\.32' "$lib" && return 0
  done
  return 1
}

have_fashion() { [ -e /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ]; }

sudo_() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

apt_updated=0
apt_update_once() {
  if [ "$apt_updated" = 0 ]; then sudo_ apt-get update -qq; apt_updated=1; fi
}

# The trixie source and pin this script adds on Debian 12 (also printed as manual steps).
TRIXIE_SOURCES=/etc/apt/sources.list.d/nice-mlnet-trixie.sources
TRIXIE_PIN=/etc/apt/preferences.d/nice-mlnet-trixie
trixie_sources() {
  cat <<'SRC'
Types: deb
URIs: http://deb.debian.org/debian
Suites: trixie trixie-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: trixie-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
}
trixie_pin() {
  cat <<'PIN'
# Nice.MLNet (scripts/prereqs.sh): Debian 13 packages only when asked for, never as upgrades of Debian 12 ones.
Package: *
Pin: release n=trixie
Pin-Priority: 100

Package: *
Pin: release n=trixie-updates
Pin-Priority: 100

Package: *
Pin: release n=trixie-security
Pin-Priority: 100
PIN
}
# -t trixie makes trixie the candidate while resolving, so the packages libstdc++6 forces to move (libc6, and what has to
# match it) come from trixie instead of failing; Upgrade-By-Source-Package=false stops apt from also upgrading every other
# installed package built from the same sources (gcc-14, glibc, dpkg), which it does by default.
INSTALL_ARGS=(install -y -t trixie --no-install-recommends -o APT::Get::Upgrade-By-Source-Package=false libstdc++6)

# apt-get with a private copy of apt's configuration and state (sources + the trixie ones, lists, cache), so a simulation
# can see trixie without writing anything under /etc or /var.
plan_dir=""
cleanup() { [ -n "$plan_dir" ] && rm -rf "$plan_dir"; return 0; }
trap cleanup EXIT
private_apt() {
  plan_dir=$(mktemp -d "${TMPDIR:-/tmp}/nice-prereqs.XXXXXX")
  chmod 755 "$plan_dir"
  mkdir -p "$plan_dir/sources.list.d" "$plan_dir/preferences.d" "$plan_dir/lists/partial" "$plan_dir/cache/archives/partial"
  [ -e /etc/apt/sources.list ] && cp /etc/apt/sources.list "$plan_dir/sources.list" || : > "$plan_dir/sources.list"
  cp -r /etc/apt/sources.list.d/. "$plan_dir/sources.list.d/" 2>/dev/null || true
  cp -r /etc/apt/preferences.d/. "$plan_dir/preferences.d/" 2>/dev/null || true
  [ -e /etc/apt/preferences ] && cp /etc/apt/preferences "$plan_dir/preferences" || : > "$plan_dir/preferences"
  find /var/lib/apt/lists -maxdepth 1 -type f ! -name lock -exec cp {} "$plan_dir/lists/" \; 2>/dev/null || true
  if id _apt >/dev/null 2>&1; then chown -R _apt "$plan_dir/lists/partial" "$plan_dir/cache/archives/partial" 2>/dev/null || true; fi
  PRIVATE_APT=(-o "Dir::Etc::SourceList=$plan_dir/sources.list" -o "Dir::Etc::SourceParts=$plan_dir/sources.list.d"
    -o "Dir::Etc::Preferences=$plan_dir/preferences" -o "Dir::Etc::PreferencesParts=$plan_dir/preferences.d"
    -o "Dir::State::Lists=$plan_dir/lists" -o "Dir::Cache=$plan_dir/cache")
}

# Prints the simulated changes as "upgrade NAME OLD -> NEW", "new NAME VERSION", "remove NAME OLD"; fails when apt does.
simulate() {
  local out
  if ! out=$(apt-get "${PRIVATE_APT[@]}" -s "$@" 2>&1); then
    say "apt cannot work out the change:"; echo "$out" | sed 's/^/    /' >&2; return 1
  fi
  echo "$out" | awk '
    $1 == "Inst" && $3 ~ /^\[/ { old = $3; gsub(/[][]/, "", old); new = $4; sub(/^\(/, "", new); print "upgrade", $2, old, "->", new; next }
    $1 == "Inst" { new = $3; sub(/^\(/, "", new); print "new", $2, new; next }
    $1 == "Remv" { old = $3; gsub(/[][]/, "", old); print "remove", $2, old }'
}

manual_steps_bookworm() {
  cat >&2 <<EOF

  To make the change yourself (as root), or to see exactly what the script would run:
    1. the trixie sources, $TRIXIE_SOURCES:
$(trixie_sources | sed 's/^/         /')
    2. the pin that keeps every other package on Debian 12, $TRIXIE_PIN:
$(trixie_pin | sed 's/^/         /')
    3. apt-get update && apt-get ${INSTALL_ARGS[*]}
  Or run Nice.MLNet where libstdc++ from GCC 13 or newer is the system's own (Debian 13, Ubuntu 24.04, Windows, macOS).
EOF
}

if ! have_glibcxx; then
  if ! command -v apt-get >/dev/null 2>&1; then
    say "this machine's libstdc++ lacks GLIBCXX_3.4.32, which TorchSharp 0.107 needs;"
    say "install libstdc++ from GCC 13 or newer with your package manager."
    exit 1
  fi
  . /etc/os-release
  if [ "${VERSION_CODENAME:-}" != bookworm ]; then
    # Another apt system (e.g. an older Ubuntu): only its own newer libstdc++6, if it has one.
    if [ "$no_changes" = 1 ]; then
      say "NICE_NO_SYSTEM_CHANGES is set and this machine's libstdc++ lacks GLIBCXX_3.4.32 (TorchSharp 0.107 needs it)."
      say "Install libstdc++ from GCC 13 or newer yourself (apt-get install libstdc++6 may have it), then run again."
      exit 1
    fi
    say "libstdc++ lacks GLIBCXX_3.4.32: upgrading libstdc++6 from this system's own sources"
    apt_update_once
    sudo_ env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libstdc++6 >/dev/null
    have_glibcxx || { say "libstdc++ still lacks GLIBCXX_3.4.32: install libstdc++ from GCC 13 or newer yourself"; exit 1; }
  else
    private_apt
    trixie_sources > "$plan_dir/sources.list.d/nice-mlnet-trixie.sources"
    trixie_pin > "$plan_dir/preferences.d/nice-mlnet-trixie"
    say "libstdc++ lacks GLIBCXX_3.4.32 (TorchSharp 0.107 needs GCC 13+'s; Debian 12 has GCC 12's)."
    say "working out what Debian 13 \"trixie\"'s libstdc++6 would move (a simulation; nothing on this system changes)..."
    plan=""
    if apt-get "${PRIVATE_APT[@]}" update -qq >/dev/null 2>"$plan_dir/update.err"; then
      plan=$(simulate "${INSTALL_ARGS[@]}") || plan=""
    else
      say "could not read the package lists:"; sed 's/^/    /' "$plan_dir/update.err" >&2
    fi
    if [ -n "$plan" ]; then
      n=$(echo "$plan" | wc -l)
      say "these $n packages would move to Debian 13 \"trixie\" versions (no other package changes):"
      echo "$plan" | awk '{ printf "    %-8s %s\n", $1, substr($0, length($1) + 2) }' >&2
      if echo "$plan" | grep -q '^upgrade base-files '; then
        say "base-files moves because trixie's libc6 requires it (Breaks: base-files << 13.3); it owns /etc/os-release,"
        say "which will then say \"Debian GNU/Linux 13 (trixie)\". The rest of the system stays on Debian 12."
      fi
    fi
    if [ "$no_changes" = 1 ]; then
      say "NICE_NO_SYSTEM_CHANGES is set: nothing was changed. TorchSharp 0.107 cannot load without GLIBCXX_3.4.32."
      manual_steps_bookworm
      exit 1
    fi
    [ -n "$plan" ] || { say "no plan, so nothing was changed"; manual_steps_bookworm; exit 1; }
    if echo "$plan" | grep -q '^remove '; then
      say "the change would remove packages, so nothing was changed; remove or keep them yourself:"
      manual_steps_bookworm
      exit 1
    fi
    if [ -t 0 ] && [ -t 2 ]; then
      say "continuing in 10 s (Ctrl-C to stop; NICE_NO_SYSTEM_CHANGES=1 to never change the system)"
      sleep 10
    fi
    say "adding $TRIXIE_SOURCES and $TRIXIE_PIN (trixie at priority 100), then installing"
    trixie_sources | sudo_ tee "$TRIXIE_SOURCES" >/dev/null
    trixie_pin | sudo_ tee "$TRIXIE_PIN" >/dev/null
    apt_update_once
    sudo_ env DEBIAN_FRONTEND=noninteractive apt-get -qq "${INSTALL_ARGS[@]}" >/dev/null
    have_glibcxx || { say "libstdc++ still lacks GLIBCXX_3.4.32"; exit 1; }
    say "done: libstdc++ has GLIBCXX_3.4.32; the packages above now follow trixie's updates (point and security releases)"
  fi
fi

if [ "$want_fashion" = 1 ] && ! have_fashion; then
  if [ "$no_changes" = 1 ]; then
    say "NICE_NO_SYSTEM_CHANGES is set: not installing the Debian package dataset-fashion-mnist (Fashion-MNIST, read by"
    say "the image tests and benchmarks). Install it yourself: apt-get install dataset-fashion-mnist"
    exit 1
  fi
  say "installing the Debian package dataset-fashion-mnist (Fashion-MNIST for the image tests and benchmarks)"
  apt_update_once
  sudo_ env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends dataset-fashion-mnist >/dev/null
fi
exit 0
