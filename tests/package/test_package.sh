#!/usr/bin/env bash
# tests/package/test_package.sh: builds the Debian package from this tree
# (tracked and new files, not build directories) with dpkg-buildpackage,
# checks its contents, installs it on a fresh Debian 12 root (debootstrap
# --variant=minbase, chroot) and runs what the package promises: the modgate
# user, the key and tokens made by postinst, --check-config of the packaged
# configuration, the systemd unit, modgate serving a comment from that
# configuration against the root's Redis (in a private network namespace, so
# the packaged 127.0.0.1:8080 and :6379 are free), a reinstall keeping the
# key, remove keeping /etc/modgate and purge deleting it.
#
# Prints "ok - ..." / "not ok - ..." per assertion and ends with
# "N passed, N failed, N skipped"; exits 1 when any failed. Needs root.
# The pristine root is cached as $MODGATE_TEST_CACHE/bookworm-minbase.tar
# (default /var/cache/modgate-tests) with the downloaded .debs beside it, so
# a second run needs no network; without network and cache it skips.
set -uo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
cache=${MODGATE_TEST_CACHE:-/var/cache/modgate-tests}
pristine=$cache/bookworm-minbase.tar
archives=$cache/archives
started=$SECONDS

log=$(mktemp)
say() { echo "$*" | tee -a "$log"; }
ok() { say "ok - $*"; }
bad() { say "not ok - $*"; }
skip() { say "skip - $*"; }
check() { # description command...: one assertion
    local d=$1; shift
    if "$@"; then ok "$d"; else bad "$d"; fi
}
finish() {
    local p f s
    p=$(grep -c '^ok - ' "$log"); f=$(grep -c '^not ok - ' "$log")
    s=$(grep -c '^skip - ' "$log")
    echo "package suite: $((SECONDS - started)) s"
    echo "$p passed, $f failed, $s skipped"
    rm -f "$log"
    [ "$f" -eq 0 ]
    exit
}
skip_all() { skip "package suite: $*"; finish; }

[ "$(id -u)" -eq 0 ] || skip_all "needs root (debootstrap, chroot, mounts)"
for tool in dpkg-buildpackage dh debootstrap unshare ip setpriv curl python3 git; do
    command -v "$tool" >/dev/null || skip_all "$tool is not installed (deploy/bootstrap installs it)"
done

work=$(mktemp -d /var/tmp/modgate-pkg.XXXXXX)
root=$work/root
mounts=()
cleanup() {
    local m i
    [ -n "${redis_pid:-}" ] && kill "$redis_pid" 2>/dev/null
    for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do
        m=${mounts[i]}
        umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null
    done
    # Never follow a mount that is still there into the host's /dev.
    if ! grep -q " $work/" /proc/mounts; then rm -rf --one-file-system "$work"; fi
}
trap cleanup EXIT
mnt() { mount "$@" && mounts+=("${!#}"); }

# --- 1. build ----------------------------------------------------------------
mkdir -p "$work/src"
(cd "$src" && git ls-files -z -co --exclude-standard |
    tar --null --ignore-failed-read -cf - -T - 2>/dev/null) | tar -xf - -C "$work/src"
t0=$SECONDS
(cd "$work/src" && dpkg-buildpackage -b -us -uc) >"$work/build.log" 2>&1
rc=$?
debs=("$work"/modgate_*.deb)
if [ "$rc" -ne 0 ] || [ ! -f "${debs[0]}" ]; then
    tail -n 40 "$work/build.log"
    bad "dpkg-buildpackage -b -us -uc builds modgate_*.deb (exit $rc)"
    finish
fi
deb=${debs[0]}
ok "dpkg-buildpackage -b -us -uc builds $(basename "$deb") ($((SECONDS - t0)) s)"
check "the build ran the unit and style suites, none failed" \
    grep -Eq '^Fail: +0 *$' "$work/build.log"

# --- 2. contents -------------------------------------------------------------
dpkg-deb -c "$deb" | awk '{print $1, $2, $6}' >"$work/contents"
has() { grep -q " \./$1\$" "$work/contents"; }
for f in usr/bin/modgate usr/bin/modctl etc/modgate/modgate.yaml \
         lib/systemd/system/modgate.service lib/systemd/system/modgate@.service \
         usr/share/man/man8/modgate.8.gz \
         usr/share/man/man1/modctl.1.gz usr/share/bash-completion/completions/modctl \
         usr/share/doc/modgate/copyright usr/share/modgate/rules/ATTRIBUTION.md \
         usr/share/modgate/rules/model/ATTRIBUTION.md \
         usr/share/modgate/model-data/dev.csv usr/share/modgate/model-data/README.md \
         usr/share/doc/modgate/examples/nginx/modgate.conf; do
    check "the package holds /$f" has "$f"
done
missing_rules=$(cd "$src/rules" && find . -type f | sed 's|^\./||' | while read -r f; do
    has "usr/share/modgate/rules/$f" || echo "$f"; done)
check "the package holds every file of rules/ under /usr/share/modgate/rules (missing: ${missing_rules:-none})" \
    test -z "$missing_rules"
check "the package ships no signing key or tokens (postinst makes them)" \
    bash -c "! grep -Eq 'signing\.key|/tokens\$' '$work/contents'"
check "/usr/bin/modgate is root-owned, mode 0755" \
    grep -q '^-rwxr-xr-x root/root \./usr/bin/modgate$' "$work/contents"
check "/etc/modgate/modgate.yaml is a conffile" \
    bash -c "dpkg-deb --ctrl-tarfile '$deb' | tar -xOf - ./conffiles | grep -qx /etc/modgate/modgate.yaml"
if command -v lintian >/dev/null; then
    lintian "$work"/modgate_*.changes >"$work/lintian.log" 2>&1
    check "lintian reports no error or warning ($(grep -Ec '^[EW]:' "$work/lintian.log") found)" \
        bash -c "! grep -E '^[EW]:' '$work/lintian.log'"
else
    skip "lintian: not installed"
fi

# --- 3. a fresh Debian 12 root -----------------------------------------------
# The host's mirror and suites (deb822 sources first, then sources.list).
host_sources=/etc/apt/sources.list.d/debian.sources
mirror=$(awk '/^URIs:/ && $2 !~ /security/ {print $2; exit}' "$host_sources" 2>/dev/null)
[ -n "$mirror" ] || mirror=$(awk '$1 == "deb" && $2 !~ /security/ {print $2; exit}' \
    /etc/apt/sources.list 2>/dev/null)
mirror=${mirror:-http://deb.debian.org/debian}
online() { curl -sfI --max-time 10 "$mirror/dists/bookworm/Release" >/dev/null; }

if [ ! -f "$pristine" ]; then
    online || skip_all "no cached root ($pristine) and $mirror cannot be reached"
    t0=$SECONDS
    mkdir -p "$cache" "$work/new"
    if ! debootstrap --variant=minbase bookworm "$work/new" "$mirror" >"$work/debootstrap.log" 2>&1; then
        tail -n 20 "$work/debootstrap.log"
        bad "debootstrap --variant=minbase bookworm from $mirror"
        finish
    fi
    if [ -f "$host_sources" ]; then
        rm -f "$work/new/etc/apt/sources.list"
        cp "$host_sources" "$work/new/etc/apt/sources.list.d/"
    fi
    chroot "$work/new" apt-get -q update >>"$work/debootstrap.log" 2>&1 ||
        { tail -n 20 "$work/debootstrap.log"; bad "apt-get update in the new root"; finish; }
    chroot "$work/new" apt-get clean
    tar -C "$work/new" -cf "$pristine.tmp" . && mv "$pristine.tmp" "$pristine"
    rm -rf --one-file-system "$work/new"
    say "# made the pristine root $pristine in $((SECONDS - t0)) s"
fi
mkdir -p "$root" "$archives/partial"
tar -C "$root" -xf "$pristine"
mnt -t proc proc "$root/proc"
mnt --bind /dev "$root/dev"
mnt --bind "$archives" "$root/var/cache/apt/archives"
# No service starts inside the root by itself (policy-rc.d, Debian policy 9.3.3).
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod 755 "$root/usr/sbin/policy-rc.d"
cp "$deb" "$root/tmp/"
in_root() { chroot "$root" env DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 "$@"; }

# --- 4. install --------------------------------------------------------------
apt_install() {
    in_root apt-get install -y -q --no-install-recommends -o APT::Sandbox::User=root \
        "/tmp/$(basename "$deb")" redis-server systemd man-db >"$work/install.log" 2>&1
}
t0=$SECONDS
# A cached root's package lists may name versions the mirror no longer has.
if ! apt_install && online && in_root apt-get -q update >/dev/null 2>&1; then apt_install; fi
rc=$?
[ "$rc" -eq 0 ] || tail -n 30 "$work/install.log"
check "apt-get install ./$(basename "$deb") redis-server systemd man-db on a fresh bookworm root ($((SECONDS - t0)) s)" \
    test "$rc" -eq 0
[ "$rc" -eq 0 ] || finish

user=$(in_root getent passwd modgate)
IFS=: read -r _ _ uid _ _ home shell <<<"$user"
check "postinst made the system user modgate (uid ${uid:-none} < 1000, home $home, shell $shell)" \
    test -n "$user" -a "${uid:-1000}" -lt 1000 -a "$home" = /nonexistent -a "$shell" = /usr/sbin/nologin
check "postinst made the group modgate" bash -c "chroot '$root' getent group modgate >/dev/null"
check "no home directory was made for modgate" test ! -e "$root/nonexistent"
for f in signing.key tokens; do
    got=$(in_root stat -c '%a %U %G %F' "/etc/modgate/$f" 2>&1)
    check "postinst made /etc/modgate/$f 0640 root:modgate ($got)" \
        test "$got" = "640 root modgate regular file"
done
check "the key holds an Ed25519 key" grep -q '^algorithm: Ed25519$' "$root/etc/modgate/signing.key"
check "the tokens file holds no token" \
    bash -c "! grep -Ev '^[[:space:]]*(#|\$)' '$root/etc/modgate/tokens'"
check "dpkg lists /etc/modgate/modgate.yaml among modgate's conffiles" \
    bash -c "chroot '$root' dpkg-query -W -f='\${Conffiles}' modgate | grep -q '^ /etc/modgate/modgate.yaml '"
check "modgate --check-config -c /etc/modgate/modgate.yaml exits 0 right after install" \
    in_root modgate --check-config -c /etc/modgate/modgate.yaml
check "the same check passes as user modgate (it can read the key and tokens)" \
    in_root setpriv --reuid=modgate --regid=modgate --init-groups \
    modgate --check-config -c /etc/modgate/modgate.yaml
check "the example configuration (/usr/share/doc/modgate/examples) passes --check-config too" \
    in_root modgate --check-config -c /usr/share/doc/modgate/examples/modgate.example.yaml
check "man modgate and the bash completion are in place" \
    test -s "$root/usr/share/man/man8/modgate.8.gz" -a -s "$root/usr/share/bash-completion/completions/modctl"
if [ -x "$root/usr/bin/systemd-analyze" ]; then
    out=$(in_root systemd-analyze verify /lib/systemd/system/modgate.service 2>&1)
    rc=$?
    [ -z "$out" ] || say "# systemd-analyze verify: $out"
    check "systemd-analyze verify modgate.service exits 0 with nothing to say about it" \
        bash -c "[ $rc -eq 0 ] && ! grep -q 'modgate.service' <<<\"\$1\"" _ "$out"
    # a template is verified as one of its instances
    out=$(in_root bash -c 'cp /lib/systemd/system/modgate@.service /tmp/modgate@8081.service &&
        systemd-analyze verify /tmp/modgate@8081.service' 2>&1)
    rc=$?
    [ -z "$out" ] || say "# systemd-analyze verify: $out"
    check "systemd-analyze verify modgate@8081.service (the template) exits 0 with nothing to say about it" \
        bash -c "[ $rc -eq 0 ] && ! grep -q 'modgate@' <<<\"\$1\"" _ "$out"
    check "modgate.service is enabled at install (dh_installsystemd)" \
        test -L "$root/etc/systemd/system/multi-user.target.wants/modgate.service"
else
    skip "systemd-analyze verify: systemd did not install in the root"
fi

# --- 5. serve a comment from the packaged configuration -----------------------
site_token=$(head -c 32 /dev/urandom | base64 | tr -d '/+=')
mod_token=$(head -c 32 /dev/urandom | base64 | tr -d '/+=')
printf 'site newsroom %s\nmoderator alice %s\n' "$site_token" "$mod_token" \
    >>"$root/etc/modgate/tokens"
key_id=$(awk '$1 == "key_id:" {print $2}' "$root/etc/modgate/signing.key")

# Runs inside a private network namespace: its own 127.0.0.1, so the
# configuration's ports are free whatever runs on this machine.
serve() {
    local pid= redis_pid=
    trap 'kill $pid $redis_pid 2>/dev/null' EXIT
    ip link set lo up
    chroot "$root" setpriv --reuid=redis --regid=redis --init-groups \
        redis-server --bind 127.0.0.1 --port 6379 --dir /var/lib/redis \
        --daemonize no --save '' --appendonly no >"$work/redis.log" 2>&1 &
    redis_pid=$!
    for _ in $(seq 100); do
        chroot "$root" redis-cli ping >/dev/null 2>&1 && break
        sleep 0.05
    done
    chroot "$root" setpriv --reuid=modgate --regid=modgate --init-groups \
        modgate -c /etc/modgate/modgate.yaml 2>"$work/modgate.log" &
    pid=$!
    local ready=
    for _ in $(seq 100); do
        ready=$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:8080/readyz)
        [ "$ready" = 200 ] && break
        sleep 0.1
    done
    check "modgate, run as user modgate from /etc/modgate/modgate.yaml, is ready on 127.0.0.1:8080 (/readyz $ready)" \
        test "$ready" = 200
    check "it runs as user modgate" \
        test "$(stat -c %u "/proc/$pid")" = "$(chroot "$root" id -u modgate)"
    local body='{"article_id":"2024-10-28-nk-troops-kursk","author_id":"u-48121","author_name":"Minji","body":"Hard to believe they are being moved in civilian Kamaz trucks."}'
    local code
    code=$(curl -s -o "$work/post.json" -w '%{http_code}' -X POST http://127.0.0.1:8080/v1/comments \
        -H "Authorization: Bearer $site_token" -H 'Content-Type: application/json' -d "$body")
    check "POST /v1/comments with the site token answers 201 ($code)" test "$code" = 201
    local got
    got=$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(r.get("status"), r.get("key_id"), len(r.get("signature") or ""), r.get("id"))' \
        "$work/post.json" 2>&1)
    read -r status signed_by siglen id <<<"$got"
    check "the comment is published, signed with the key postinst made ($got; key $key_id)" \
        test "$status" = published -a "$signed_by" = "$key_id" -a "${siglen:-0}" != 0
    check "the article's comments list holds it (stored in Redis)" \
        bash -c "curl -sf -H 'Authorization: Bearer $site_token' \
          http://127.0.0.1:8080/v1/articles/2024-10-28-nk-troops-kursk/comments | grep -q '\"$id\"'"
    check "the installed modctl verifies its signature (modctl verify --all)" \
        chroot "$root" modctl --url http://127.0.0.1:8080 --token "$mod_token" verify --all
    kill -TERM "$pid"
    wait "$pid"
    check "modgate exits 0 on SIGTERM" test $? -eq 0
    kill "$redis_pid"
    wait "$redis_pid"
}
export -f serve check ok bad say in_root
export root work log site_token mod_token key_id
t0=$SECONDS
unshare --net bash -c serve
say "# served in $((SECONDS - t0)) s"
grep -q '"level":"error"' "$work/modgate.log" && say "# modgate log: $(cat "$work/modgate.log")"

# --- 6. reinstall, remove, purge ---------------------------------------------
sums() { (cd "$root/etc/modgate" && sha256sum signing.key tokens && stat -c '%a %u %g %n' signing.key tokens); }
before=$(sums)
in_root dpkg -i "/tmp/$(basename "$deb")" >"$work/reinstall.log" 2>&1
check "dpkg -i over the installed package succeeds" test $? -eq 0
check "the reinstall keeps the key and tokens file unchanged (content, mode, owner)" \
    test "$(sums)" = "$before"
in_root dpkg -r modgate >"$work/remove.log" 2>&1
check "dpkg -r modgate succeeds" test $? -eq 0
check "remove takes /usr/bin/modgate away" test ! -e "$root/usr/bin/modgate"
check "remove keeps /etc/modgate/modgate.yaml, the key and tokens as they were" \
    test -f "$root/etc/modgate/modgate.yaml" -a "$(sums 2>&1)" = "$before"
# A key rotation as docs/signatures.md does it leaves these beside the key.
cp -p "$root/etc/modgate/signing.key" "$root/etc/modgate/signing-2027.key"
: >"$root/etc/modgate/retired-keys.yaml"
in_root dpkg -P modgate >"$work/purge.log" 2>&1
check "dpkg -P modgate succeeds" test $? -eq 0
check "purge deletes /etc/modgate: configuration, keys, tokens, retired keys (left: $(ls -A "$root/etc/modgate" 2>&1 | tr '\n' ' '))" \
    test ! -e "$root/etc/modgate"
check "dpkg forgets modgate after purge" \
    bash -c "! chroot '$root' dpkg-query -W modgate >/dev/null 2>&1"
# Once more, with a site's own rules copy: purge leaves that alone.
in_root dpkg -i "/tmp/$(basename "$deb")" >"$work/reinstall2.log" 2>&1
check "a new install after purge makes a new key" test -f "$root/etc/modgate/signing.key"
cp -r "$root/usr/share/modgate/rules" "$root/etc/modgate/rules"
in_root dpkg -P modgate >"$work/purge2.log" 2>&1
check "purge keeps a rules copy in /etc/modgate/rules and deletes the rest (left: $(ls -A "$root/etc/modgate" 2>&1 | tr '\n' ' '))" \
    test "$(ls -A "$root/etc/modgate" 2>&1)" = rules -a -f "$root/etc/modgate/rules/00-thresholds.yaml"
finish
