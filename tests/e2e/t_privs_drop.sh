# certmapd started as root with <server user group> runs as that user (every
# thread: Uid, Gid, groups; CapEff at most CAP_NET_BIND_SERVICE, as
# readFilesAsUser="false" asks: t_files_as_user_drop.sh keeps CAP_SETUID and
# CAP_SETGID for files read as the account), and still
# serves, reloads and reopens its logs; root running `certmap account add`
# keeps the accounts file readable by it, so alice still logs on.
. "$(dirname "$0")/harness.sh"
h_init
[ "$(id -u)" -eq 0 ] || h_fail "needs root (useradd, a server started as root)"
SVC=cmtest$$
t_cleanup() {
    local rc=$?
    if [ -n "$SERVER_PID" ] && h_alive "$SERVER_PID"; then
        kill -TERM "$SERVER_PID" 2>/dev/null
        wait "$SERVER_PID" 2>/dev/null
    fi
    userdel -f "$SVC" >/dev/null 2>&1
    (exit $rc)
    h_cleanup
}
trap t_cleanup EXIT
useradd --system --no-create-home --shell /usr/sbin/nologin --user-group "$SVC" ||
    h_fail "useradd $SVC"
uid=$(id -u "$SVC")
gid=$(id -g "$SVC")
# The service reads its configuration directory through its group, as it
# would /etc/certmap (root:certmap 0750); the logs are written by it.
chmod 0755 "$T"
h_std
H_SERVER="$H_SERVER user=\"$SVC\" readFilesAsUser=\"false\""
H_SERVER=${H_SERVER//allowRoot=\"true\"/}
cfg_write
chgrp "$SVC" "$T/accounts" && chmod 0640 "$T/accounts"
chmod -R a+rX "$PKI" "$WWW"
chown "$SVC" "$LOGDIR" # as the package gives /var/log/certmap to the service
h_start
# It listens before it drops: wait for the drop to be done.
for _ in $(seq 1 $((100 * H_SLOW))); do
    grep -a -q "certmapd .* started" "$T/certmapd.out" && break
    sleep 0.1
done
grep -a -q "certmapd .* started" "$T/certmapd.out" || h_fail "certmapd did not finish starting within $((10 * H_SLOW)) s"

# Every thread runs as the service user, with at most CAP_NET_BIND_SERVICE (bit 10).
for st in /proc/"$SERVER_PID"/task/*/status; do
    read -r _ ruid euid suid fuid < <(grep '^Uid:' "$st")
    read -r _ rgid egid sgid fgid < <(grep '^Gid:' "$st")
    [ "$ruid $euid $suid $fuid" = "$uid $uid $uid $uid" ] || h_fail "$st: Uid $ruid $euid $suid $fuid, expected $uid"
    [ "$rgid $egid $sgid $fgid" = "$gid $gid $gid $gid" ] || h_fail "$st: Gid $rgid $egid $sgid $fgid, expected $gid"
    groups=$(grep '^Groups:' "$st" | cut -f2)
    [ "$(echo $groups)" = "$gid" ] || h_fail "$st: supplementary groups '$groups', expected $gid"
    capeff=$(grep '^CapEff:' "$st" | cut -f2)
    [ $((0x$capeff & ~0x400)) -eq 0 ] || h_fail "$st: CapEff $capeff has more than CAP_NET_BIND_SERVICE"
    capprm=$(grep '^CapPrm:' "$st" | cut -f2)
    [ $((0x$capprm & ~0x400)) -eq 0 ] || h_fail "$st: CapPrm $capprm has more than CAP_NET_BIND_SERVICE"
done
# The bounding set is per thread: cleared on the main thread (and the workers it starts).
capbnd=$(grep '^CapBnd:' /proc/"$SERVER_PID"/status | cut -f2)
[ $((0x$capbnd & ~0x400)) -eq 0 ] || h_fail "main thread CapBnd $capbnd not cleared"
capeff=$(grep '^CapEff:' /proc/"$SERVER_PID"/status | cut -f2)
[ $((0x$capeff)) -eq $((0x400)) ] || h_fail "main thread CapEff $capeff, expected CAP_NET_BIND_SERVICE only"
grep -a -q "running as user $SVC" "$T/certmapd.out" || h_fail "the drop is not logged"

req alice /
expect_status 200
expect_log 1 alice 200 0 /

# Root rewrites the accounts file: it keeps its group and mode, alice still logs on.
printf 'dave-pw\n' >"$T/pw"
"$CERTMAP" -c "$CFG" account add dave --password-stdin <"$T/pw" >"$T/cli.out" 2>&1 ||
    h_fail "certmap account add: $(cat "$T/cli.out")"
[ "$(stat -c '%G %a' "$T/accounts")" = "$SVC 640" ] ||
    h_fail "accounts file is now $(stat -c '%U:%G %a' "$T/accounts")"
n=$(h_reloads)
kill -HUP "$SERVER_PID"
h_reload_wait "$n"
grep -a -q "configuration reloaded" "$T/certmapd.out" || h_fail "the reload as $SVC failed"
req alice /
expect_status 200
expect_log 1 alice 200 0 /

# The logs certmapd created belong to the service user, group adm, 0640.
want_group=$SVC
getent group adm >/dev/null && want_group=adm
for f in "$LOGDIR"/W3SVC1/u_ex*.log "$LOGDIR/certmapd.log"; do
    [ "$(stat -c '%U:%G %a' "$f")" = "$SVC:$want_group 640" ] ||
        h_fail "$f is $(stat -c '%U:%G %a' "$f"), expected $SVC:$want_group 640"
done

# Rotation as the service user: rename, SIGUSR1, the next lines go to new files.
log=$(ls "$LOGDIR"/W3SVC1/u_ex*.log)
mv "$log" "$log.1"
mv "$LOGDIR/certmapd.log" "$LOGDIR/certmapd.log.1"
kill -USR1 "$SERVER_PID"
# the new file is created by the reopen and the notice written after it: wait
# for the line, not for the file
for _ in $(seq 1 $((100 * H_SLOW))); do
    grep -a -q "SIGUSR1: logs reopened" "$LOGDIR/certmapd.log" 2>/dev/null && break
    sleep 0.1
done
grep -a -q "SIGUSR1: logs reopened" "$LOGDIR/certmapd.log" || h_fail "the error log was not reopened"
req alice /
expect_status 200
expect_log 1 alice 200 0 /
[ -f "$log" ] || h_fail "no new W3C file after SIGUSR1"
grep -q "$REQ_UA" "$log.1" && h_fail "a line after SIGUSR1 went to the renamed W3C file"

# A key the service cannot read at reload: the running configuration stays, and the log says why.
chmod 0600 "$PKI/server.key" 2>/dev/null || h_fail "no $PKI/server.key"
chown root:root "$PKI/server.key"
n=$(h_reloads)
kill -HUP "$SERVER_PID"
h_reload_wait "$n"
grep -a -q "reload failed" "$T/certmapd.out" || h_fail "a reload with an unreadable key did not fail"
grep -a "server.key" "$T/certmapd.out" | grep -a -q -i "permission denied" ||
    h_fail "the failed reload does not say the key is unreadable"
req alice /
expect_status 200

h_stop
h_pass
