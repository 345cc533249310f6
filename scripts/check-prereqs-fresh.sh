#!/usr/bin/env bash
# Checks scripts/prereqs.sh on a fresh Debian 12 (not part of the default test run; needs root, chroot and the network to
# Debian's mirror). It debootstraps Debian 12 "bookworm" into a folder (with the sources a standard install has: main,
# updates, security) and runs the script inside it with chroot, twice:
#   1. NICE_NO_SYSTEM_CHANGES=1: must exit 1 with the manual steps, and change nothing (installed packages, /etc/apt,
#      apt's lists, /etc/os-release all byte-identical).
#   2. the default: must print the list of packages that move, then move exactly those, leave GLIBCXX_3.4.32 in libstdc++,
#      and (run again) do nothing the second time. It reports what /etc/os-release says afterwards.
# With --with-dotnet it then runs `./run.sh quickstart` (the README's command) in the upgraded folder with this machine's
# .NET SDK and NuGet cache bind-mounted read-only: TorchSharp must load and train there.
# This machine is not changed: debootstrap itself is unpacked from its Debian package into the work folder.
# With --with-dev-tools it also runs the default on a copy with locales and build-essential installed (a developer's machine,
# where glibc's and GCC's other packages are installed too), and says what the previous script would have moved there.
#   scripts/check-prereqs-fresh.sh [--with-dotnet] [--with-dev-tools] [--work DIR] [--keep]
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
work=/tmp/nice-prereqs-check
with_dotnet=0
with_dev_tools=0
keep=0
while [ $# -gt 0 ]; do
  case "$1" in
    --with-dotnet) with_dotnet=1 ;;
    --with-dev-tools) with_dev_tools=1 ;;
    --work) work=$2; shift ;;
    --keep) keep=1 ;;
    *) echo "usage: $0 [--with-dotnet] [--with-dev-tools] [--work DIR] [--keep]" >&2; exit 2 ;;
  esac
  shift
done
[ "$(id -u)" = 0 ] || { echo "check-prereqs-fresh.sh: needs root (debootstrap, chroot, mount)" >&2; exit 2; }
mkdir -p "$work"
failures=0
check() { if eval "$2"; then echo "  PASS  $1"; else echo "  FAIL  $1"; failures=$((failures + 1)); fi; }

mounts=()
unmount_all() {
  local i
  for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do
    if mountpoint -q "${mounts[$i]}"; then umount "${mounts[$i]}" 2>/dev/null || umount -l "${mounts[$i]}"; fi
  done
  mounts=()
}
trap unmount_all EXIT
bind() { mkdir -p "$2"; mount --bind "$1" "$2"; mounts+=("$2"); [ "${3:-}" = ro ] && mount -o remount,bind,ro "$2"; return 0; }
# Ends the processes (by id) still running inside a copy, e.g. a build server the quickstart's build left behind.
stop_processes_in() {
  local p r
  for p in /proc/[0-9]*; do
    r=$(readlink "$p/root" 2>/dev/null) || continue
    case "$r" in "$1"|"$1"/*) kill "${p#/proc/}" 2>/dev/null || true ;; esac
  done
  sleep 1
}
# Removes a copy, first unmounting anything a crashed earlier run left mounted inside it, and never crossing into a mount.
remove() {
  local m
  for m in $(awk -v p="$1/" 'index($2, p) == 1 { print $2 }' /proc/mounts | sort -r); do umount "$m" || umount -l "$m"; done
  rm -rf --one-file-system "$1"
}

# 1. A fresh Debian 12, built once and reused.
fresh=$work/fresh-bookworm
if [ ! -e "$fresh/.complete" ]; then
  remove "$fresh"
  debootstrap_cmd=(debootstrap)
  if ! command -v debootstrap >/dev/null 2>&1; then
    echo "== unpacking Debian's debootstrap package into $work/debootstrap (not installed on this machine)"
    rm -rf "$work/debootstrap" && mkdir -p "$work/debootstrap"
    (cd "$work/debootstrap" && apt-get download debootstrap >/dev/null 2>&1 && dpkg -x debootstrap_*.deb root)
    export DEBOOTSTRAP_DIR=$work/debootstrap/root/usr/share/debootstrap
    debootstrap_cmd=("$work/debootstrap/root/usr/sbin/debootstrap")
  fi
  echo "== debootstrap bookworm into $fresh (a few minutes)"
  "${debootstrap_cmd[@]}" --arch=amd64 bookworm "$fresh" http://deb.debian.org/debian > "$work/debootstrap.log" 2>&1 \
    || { tail -20 "$work/debootstrap.log"; exit 1; }
  cat > "$fresh/etc/apt/sources.list" <<'EOF'
deb http://deb.debian.org/debian bookworm main
deb http://deb.debian.org/debian bookworm-updates main
deb http://deb.debian.org/debian-security bookworm-security main
EOF
  cp /etc/resolv.conf "$fresh/etc/resolv.conf"
  chroot "$fresh" apt-get update -qq
  touch "$fresh/.complete"
fi
echo "== the fresh system: $(. "$fresh/etc/os-release"; echo "$PRETTY_NAME"), $(chroot "$fresh" dpkg-query -W | wc -l) packages," \
  "libc6 $(chroot "$fresh" dpkg-query -W -f '${Version}' libc6), libstdc++6 $(chroot "$fresh" dpkg-query -W -f '${Version}' libstdc++6)"

# A copy of the fresh system with the repository's scripts in /root/nice.
copy() {
  remove "$1"
  cp -a "$fresh" "$1"
  mkdir -p "$1/root/nice"
  git -C "$repo" ls-files -z | (cd "$repo" && xargs -0 tar cf -) | tar xf - -C "$1/root/nice"
  cp "$repo/scripts/prereqs.sh" "$1/root/nice/scripts/prereqs.sh"   # the working copy's script, committed or not
  mount_in "$1"
}
# debootstrap made /dev's nodes; apt, dpkg and dotnet need /proc, and apt's terminal log /dev/pts.
mount_in() {
  mount -t proc proc "$1/proc"; mounts+=("$1/proc")
  mkdir -p "$1/dev/pts"; mount -t devpts devpts "$1/dev/pts" -o newinstance,ptmxmode=0666; mounts+=("$1/dev/pts")
}
state() {  # everything the script may not touch when told not to
  chroot "$1" dpkg-query -W -f '${Package} ${Version} ${db:Status-Abbrev}\n'
  (cd "$1" && find etc/apt var/lib/apt/lists -type f ! -name lock -print0 | sort -z | xargs -0 sha256sum)
  sha256sum "$1/usr/lib/os-release" | cut -d' ' -f1
}
glibcxx() { grep -qa 'GLIBCXX_3\.4\.32' "$1/usr/lib/x86_64-linux-gnu/libstdc++.so.6"; }

echo
echo "== 1. NICE_NO_SYSTEM_CHANGES=1 bash scripts/prereqs.sh (in a copy of the fresh system)"
optout=$work/opt-out
copy "$optout"
state "$optout" > "$work/opt-out.before"
set +e
chroot "$optout" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root NICE_NO_SYSTEM_CHANGES=1 \
  bash -c 'cd /root/nice && bash scripts/prereqs.sh' > "$work/opt-out.out" 2>&1
rc=$?
set -e
sed 's/^/  | /' "$work/opt-out.out"
state "$optout" > "$work/opt-out.after"
check "exit code 1 (was $rc)" '[ "$rc" = 1 ]'
check "the message names NICE_NO_SYSTEM_CHANGES and gives the manual apt-get command" \
  'grep -q "NICE_NO_SYSTEM_CHANGES is set: nothing was changed" "$work/opt-out.out" && grep -q "apt-get update && apt-get install" "$work/opt-out.out"'
check "the list of packages that would move was printed" 'grep -q "packages would move" "$work/opt-out.out"'
check "nothing changed (packages, /etc/apt, apt lists, os-release)" 'cmp -s "$work/opt-out.before" "$work/opt-out.after"'
check "GLIBCXX_3.4.32 still absent" '! glibcxx "$optout"'
unmount_all

# Runs prereqs.sh the default way in copy $1 (results in $work/$2.*) and checks it: exit 0, GLIBCXX present, the printed
# list is exactly what moved (dpkg before/after), nothing removed, a second run does nothing, apt consistent.
default_run() {
  local root=$1 name=$2 rc rc2
  in_chroot() { chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root bash -c "cd /root/nice && $1"; }
  chroot "$root" dpkg-query -W -f '${Package} ${Version}\n' | sort > "$work/$name.before"
  set +e
  in_chroot 'bash scripts/prereqs.sh' > "$work/$name.out" 2>&1
  rc=$?
  set -e
  sed 's/^/  | /' "$work/$name.out"
  chroot "$root" dpkg-query -W -f '${Package} ${Version}\n' | sort > "$work/$name.after"
  # What really moved, in the printed list's words: "upgrade NAME OLD -> NEW" / "new NAME VERSION" / "remove NAME OLD".
  join -a1 -a2 -e '-' -o 0,1.2,2.2 "$work/$name.before" "$work/$name.after" \
    | awk '$2 != $3 { if ($2 == "-") print "new", $1, $3; else if ($3 == "-") print "remove", $1, $2; else print "upgrade", $1, $2, "->", $3 }' \
    | sort > "$work/$name.moved"
  grep -E '^    (upgrade|new|remove) ' "$work/$name.out" | sed -E 's/^ +//; s/ +/ /g' | sort > "$work/$name.printed" || true
  echo "  what moved (dpkg before/after, $(wc -l < "$work/$name.moved") packages):"
  sed 's/^/    /' "$work/$name.moved"
  check "exit code 0 (was $rc)" "[ $rc = 0 ]"
  check "GLIBCXX_3.4.32 present in libstdc++.so.6" 'glibcxx "$root"'
  check "the printed list is exactly what moved" '[ -s "$work/$name.moved" ] && cmp -s "$work/$name.moved" "$work/$name.printed"'
  check "nothing was removed" '! grep -q "^remove " "$work/$name.moved"'
  echo "  /etc/os-release afterwards: $(. "$root/etc/os-release"; echo "$PRETTY_NAME (VERSION_ID=$VERSION_ID)")"
  echo "  /etc/debian_version afterwards: $(cat "$root/etc/debian_version")"
  set +e
  in_chroot 'bash scripts/prereqs.sh' > "$work/$name.again.out" 2>&1
  rc2=$?
  set -e
  check "a second run exits 0 and prints nothing (idempotent)" '[ "$rc2" = 0 ] && [ ! -s "$work/$name.again.out" ]'
  chroot "$root" dpkg-query -W -f '${Package} ${Version}\n' | sort > "$work/$name.again"
  check "a second run moves nothing" 'cmp -s "$work/$name.after" "$work/$name.again"'
  check "apt sees no broken packages afterwards" 'chroot "$root" apt-get check -qq'
  echo "  what a plain 'apt-get upgrade' would now do: $(chroot "$root" apt-get -s upgrade 2>/dev/null | grep -c '^Inst') upgrades," \
    "from: $(chroot "$root" apt-get -s upgrade 2>/dev/null | awk '$1 == "Inst" { print $5 }' | sort -u | tr '\n' ' ')"
}

echo
echo "== 2. bash scripts/prereqs.sh (the default, as ./run.sh runs it; in another copy)"
upgraded=$work/default
copy "$upgraded"
default_run "$upgraded" default

if [ "$with_dotnet" = 1 ]; then
  echo
  # The folder has no ca-certificates or ICU (a user installs them with .NET): restore offline from the bind-mounted cache.
  echo "== 3. ./run.sh quickstart in the upgraded system (this machine's .NET SDK and NuGet cache, read-only)"
  dotnet_root=$(dirname "$(readlink -f "$(command -v dotnet)")")
  bind "$dotnet_root" "$upgraded/usr/share/dotnet" ro
  bind "$HOME/.nuget/packages" "$upgraded/root/.nuget/packages" ro
  set +e
  chroot "$upgraded" env -i PATH=/usr/share/dotnet:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root DOTNET_ROOT=/usr/share/dotnet \
    DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 OMP_NUM_THREADS=1 RestoreSources=/root/.nuget/packages \
    MSBUILDDISABLENODEREUSE=1 UseSharedCompilation=false DOTNET_CLI_USE_MSBUILD_SERVER=0 \
    bash -c 'cd /root/nice && ./run.sh quickstart' > "$work/quickstart.out" 2>&1
  rc3=$?
  set -e
  grep -v '^epoch' "$work/quickstart.out" | tail -25 | sed 's/^/  | /'
  check "./run.sh quickstart exits 0 on the upgraded Debian 12 (was $rc3)" '[ "$rc3" = 0 ]'
  stop_processes_in "$upgraded"
  unmount_all
fi
unmount_all

if [ "$with_dev_tools" = 1 ]; then
  echo
  echo "== 4. the default on a developer's Debian 12: locales and build-essential installed first (from Debian 12)"
  dev=$work/dev-tools
  copy "$dev"
  chroot "$dev" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq locales build-essential > "$work/dev-tools.apt" 2>&1
  echo "  installed: $(chroot "$dev" dpkg-query -W | wc -l) packages"
  # What the previous prereqs.sh (trixie pinned at 100, then apt-get install -t trixie libstdc++6) would have moved here.
  old=$work/dev-tools-old
  unmount_all; remove "$old"; cp -a "$dev" "$old"; mount_in "$dev"; mount_in "$old"
  printf 'Types: deb\nURIs: http://deb.debian.org/debian\nSuites: trixie\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
    > "$old/etc/apt/sources.list.d/nice-mlnet-trixie.sources"
  printf 'Package: *\nPin: release n=trixie\nPin-Priority: 100\n' > "$old/etc/apt/preferences.d/nice-mlnet-trixie"
  chroot "$old" apt-get update -qq
  echo "  the previous script's 'apt-get install -t trixie libstdc++6' would have moved" \
    "$(chroot "$old" apt-get -s install -t trixie libstdc++6 | grep -cE '^(Inst|Remv)') packages here (simulated)"
  remove "$old"
  default_run "$dev" dev-tools
  unmount_all
  [ "$keep" = 1 ] || remove "$dev"
fi

[ "$keep" = 1 ] || { remove "$optout"; remove "$upgraded"; }
echo
if [ "$failures" = 0 ]; then echo "check-prereqs-fresh: all checks passed"; else echo "check-prereqs-fresh: $failures check(s) failed"; fi
[ "$failures" = 0 ]
