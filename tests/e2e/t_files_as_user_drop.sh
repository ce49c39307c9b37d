# certmapd started as root with <server user="SVC"> and readFilesAsUser left at
# its default keeps CAP_SETUID and CAP_SETGID through the drop (and nothing
# else but CAP_NET_BIND_SERVICE), runs as SVC on every thread, and still reads
# files as each request's account: A reads its 0600 file, which SVC itself
# cannot read; B gets 401.3.  With readFilesAsUser="false" the drop keeps
# neither, files are read as SVC (A's file: 401.3 for everyone) and the
# start-up notice says so once.
. "$(dirname "$0")/harness.sh"
. "$(dirname "$0")/fsuid_lib.sh"
h_init
fa_users
SVC=${FA_PREFIX}s
fa_user "$SVC"
h_account "$FA_A" a-pw
h_account "$FA_B" b-pw
printf 'public\n' >"$WWW/pub.txt"
printf 'secret of A\n' >"$WWW/a.txt"
chown "$FA_A:$FA_A" "$WWW/a.txt"
chmod 0600 "$WWW/a.txt"
# The service reads its configuration, keys and accounts through its group.
chmod 0755 "$T" "$WWW"
chmod -R a+rX "$PKI"
chgrp "$SVC" "$T/accounts" && chmod 0640 "$T/accounts"
chown "$SVC" "$LOGDIR"
cfg_site "Default Web Site" 1
cfg_https "127.0.0.1:$PORT:"
cfg_location "Default Web Site" ssl="Ssl, SslNegotiateCert" anon=true certmap=true
cfg_map alice "$FA_A" a-pw
cfg_map bob "$FA_B" b-pw
H_SERVER="$H_SERVER user=\"$SVC\""
H_SERVER=${H_SERVER//allowRoot=\"true\"/}
cfg_write
h_start
for _ in $(seq 1 $((100 * H_SLOW))); do
    grep -a -q "certmapd .* started" "$T/certmapd.out" && break
    sleep 0.1
done
grep -a -q "certmapd .* started" "$T/certmapd.out" || h_fail "certmapd did not finish starting within $((10 * H_SLOW)) s"

# Every thread runs as SVC; the workers hold CAP_SETUID (7), CAP_SETGID (6) and
# CAP_NET_BIND_SERVICE (10), nothing else.
uid=$(id -u "$SVC")
for st in /proc/"$SERVER_PID"/task/*/status; do
    read -r _ ruid euid suid _ < <(grep '^Uid:' "$st")
    [ "$ruid $euid $suid" = "$uid $uid $uid" ] || h_fail "$st: Uid $ruid $euid $suid, expected $uid"
done
capeff=$(grep '^CapEff:' /proc/"$SERVER_PID"/status | cut -f2)
[ $((0x$capeff)) -eq $((0x4c0)) ] || h_fail "CapEff $capeff, expected CAP_SETGID, CAP_SETUID, CAP_NET_BIND_SERVICE"
grep -a -q "static files are read as each request's account" "$T/certmapd.out" ||
    h_fail "no start-up notice"
su -s /bin/sh -c "cat '$WWW/a.txt'" "$SVC" >/dev/null 2>&1 && h_fail "SVC itself can read A's file: the test proves nothing"

req alice /a.txt
expect_status 200
expect_body_contains "secret of A"
expect_log 1 "$FA_A" 200 0 /a.txt
req bob /a.txt
expect_status 401 3
expect_log 1 "$FA_B" 401 3 /a.txt
req - /pub.txt
expect_status 200
h_stop

# readFilesAsUser="false": the drop keeps nothing of the two; files read as SVC.
H_SERVER="$H_SERVER readFilesAsUser=\"false\""
cfg_write
h_start
for _ in $(seq 1 $((100 * H_SLOW))); do
    grep -a -q "certmapd .* started" "$T/certmapd.out" && break
    sleep 0.1
done
grep -a -q "certmapd .* started" "$T/certmapd.out" || h_fail "certmapd did not finish starting within $((10 * H_SLOW)) s"
capeff=$(grep '^CapEff:' /proc/"$SERVER_PID"/status | cut -f2)
[ $((0x$capeff)) -eq $((0x400)) ] || h_fail "readFilesAsUser=false: CapEff $capeff, expected CAP_NET_BIND_SERVICE only"
n=$(grep -a -c "static files are read as certmapd's own user (uid $uid): readFilesAsUser=\"false\"" "$T/certmapd.out")
[ "$n" = 1 ] || h_fail "the notice appears $n times"
req alice /a.txt
expect_status 401 3
req alice /pub.txt
expect_status 200
h_stop
h_pass
