# Log files: a symbolic link planted at the day's W3C file is not followed
# (its target stays untouched and the error log says why); logExtFileFlags
# chooses the #Fields columns; logLevel="error" leaves out info lines;
# rename + SIGUSR1 starts new files with nothing lost.
. "$(dirname "$0")/harness.sh"
h_init
h_std
H_SITES_XML+='      <siteDefaults><logFile logExtFileFlags="Date, Time, SiteName, UserName, Method, UriStem, HttpStatus, HttpSubStatus, Host, ProtocolVersion, BytesSent, UserAgent" /></siteDefaults>
'
H_SERVER="$H_SERVER logLevel=\"error\""
cfg_write
day=$(date -u +%y%m%d)
mkdir -p "$LOGDIR/W3SVC1"
printf 'victim\n' >"$T/victim"
ln -s "$T/victim" "$LOGDIR/W3SVC1/u_ex$day.log"
h_start
req alice /
expect_status 200
# the refusal is logged by the flusher thread (once a second)
for _ in $(seq 1 $((30 * H_SLOW))); do
    grep -a -q "symbolic link, not followed" "$T/certmapd.out" && break
    sleep 0.1
done
grep -a -q "u_ex$day.log: is a symbolic link, not followed" "$T/certmapd.out" ||
    h_fail "the refused link is not in the error log"
[ "$(cat "$T/victim")" = victim ] || h_fail "certmapd wrote through the planted link"
# logLevel="error": the notice and warning lines of startup are left out.
grep -a -q "\[notice\]" "$LOGDIR/certmapd.log" && h_fail "notice lines logged with logLevel=error"

rm "$LOGDIR/W3SVC1/u_ex$day.log"
req alice /
expect_status 200
expect_log 1 alice 200 0 /
f=$LOGDIR/W3SVC1/u_ex$day.log
grep -q '^#Fields: date time s-sitename cs-method cs-uri-stem cs-username cs-version cs(User-Agent) cs-host sc-status sc-substatus sc-bytes$' "$f" ||
    h_fail "#Fields does not follow logExtFileFlags: $(grep '^#Fields' "$f")"
grep -q " W3SVC1 GET / alice HTTP/1.1 $REQ_UA localhost:$PORT 200 0 -$" "$f" ||
    h_fail "line does not follow the columns: $(tail -1 "$f")"

# Rotation: requests before the rename are in the old file, after SIGUSR1 in the new one.
for i in 1 2 3; do req alice /; done
before=$REQ_UA
# True while certmapd holds a descriptor on file $1.
holds() {
    local l
    for l in /proc/"$SERVER_PID"/fd/*; do
        [ "$(readlink "$l" 2>/dev/null)" = "$1" ] && return 0
    done
    return 1
}
holds "$f" || h_fail "test setup: certmapd has no descriptor on $f"
mv "$f" "$f.1"
kill -USR1 "$SERVER_PID"
# The reopen closes the descriptor (logLevel=error: no notice says it); the
# renamed file's size is final only then.
for _ in $(seq 1 $((100 * H_SLOW))); do
    holds "$f.1" || break
    sleep 0.1
done
holds "$f.1" && h_fail "certmapd still writes to the renamed file $((10 * H_SLOW)) s after SIGUSR1"
size=$(stat -c %s "$f.1")
req alice /
expect_status 200
expect_log 1 alice 200 0 /
grep -q "$REQ_UA" "$f" || h_fail "the request after SIGUSR1 is not in the new file"
grep -q "$REQ_UA" "$f.1" && h_fail "the request after SIGUSR1 went to the renamed file"
grep -q -h "$before" "$f" "$f.1" || h_fail "a request before the rotation was lost"
sleep 1.2
[ "$(stat -c %s "$f.1")" = "$size" ] || h_fail "the renamed file grew after SIGUSR1"
h_stop
h_pass
