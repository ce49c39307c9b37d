# Reloads while 2000 requests are in flight fail none of them: curl runs
# 2000 authenticated requests (alice, 50 in parallel, keep-alive) while the
# configuration changes and SIGHUP arrives every 50 ms; every request gets
# 200 and a W3C log line with alice as the user.
. "$(dirname "$0")/adv_lib.sh"
h_init
h_std
h_account dave dave-pw
cfg_write
cp "$CFG" "$T/a.config"
cfg_map dave dave dave-pw
cfg_write
cp "$CFG" "$T/b.config"
cp "$T/a.config" "$CFG"
h_start
N=2000
UA="inflight-$$"

for i in $(seq 1 $N); do
    printf 'url = "https://localhost:%s/index.html?n=%s"\noutput = "/dev/null"\n' "$PORT" "$i"
done >"$T/urls"

# Reload loop, in the background from before the first request: alternate the
# two files (dave mapped or not) and SIGHUP every 50 ms, counting reloads in a
# file, so that even a fast run of the 2000 requests sees several reloads.
(
    n=0
    while :; do
        if [ $((n % 2)) = 0 ]; then cp "$T/b.config" "$CFG.new"; else cp "$T/a.config" "$CFG.new"; fi
        mv "$CFG.new" "$CFG"
        kill -HUP "$SERVER_PID" 2>/dev/null || exit 1
        n=$((n + 1))
        # renamed into place: a reader never sees the file truncated and not yet written
        echo "$n" >"$T/reloads.tmp" && mv "$T/reloads.tmp" "$T/reloads"
        sleep 0.05
    done
) &
reload_pid=$!
H_BG_PIDS+=("$reload_pid")
# the loop's first round may take a while on a loaded machine: wait for its count
for _ in $(seq 1 $((100 * H_SLOW))); do
    [ -s "$T/reloads" ] && break
    sleep 0.05
done
[ -s "$T/reloads" ] || h_fail "the reload loop did not start"
sleep 0.2
start_reloads=$(cat "$T/reloads")

t0=$SECONDS
curl -sS --no-progress-meter --parallel --parallel-max 50 --noproxy '*' --resolve "localhost:$PORT:127.0.0.1" \
    --cacert "$PKI/ca.crt" --cert "$PKI/alice.crt" --key "$PKI/alice.key" -A "$UA" \
    --max-time $((30 * H_SLOW)) -w '%{http_code} %{num_connects}\n' -K "$T/urls" >"$T/codes" 2>"$T/curl.err"
crc=$?
reloads=$(($(cat "$T/reloads") - start_reloads))
kill "$reload_pid" 2>/dev/null
wait "$reload_pid" 2>/dev/null
h_alive "$SERVER_PID" || h_fail "certmapd died during the reloads"
h_log "$N requests in $((SECONDS - t0)) s with $reloads reloads; curl exit $crc"
[ "$reloads" -ge 3 ] || h_fail "only $reloads reloads happened during the requests: the test proves nothing"
total=$(wc -l <"$T/codes")
ok=$(grep -c '^200 ' "$T/codes")
# Per status: on a new connection or a reused (keep-alive) one.
kinds=$(awk '{print $1, ($2 > 0 ? "new-connection" : "reused-connection")}' "$T/codes" | sort | uniq -c | tr -s ' \n' ' ')
[ "$total" = "$N" ] && [ "$ok" = "$N" ] ||
    h_fail "$ok of $N requests got 200 ($total answered: $kinds; curl: $(sort "$T/curl.err" | uniq -c | sort -rn | head -n 4 | tr -s ' \n' ' '))"
[ "$crc" = 0 ] || h_fail "curl exit $crc: $(sort -u "$T/curl.err" | head -n 5)"

# Every request is in the log, as alice.
for i in $(seq 1 $((50 * H_SLOW))); do
    [ "$(w3c_count 1 "$UA")" -ge "$N" ] && break
    sleep 0.1
done
n=$(w3c_count 1 "$UA")
[ "$n" = "$N" ] || h_fail "$n W3C log lines for $N requests"
users=$(awk -v ua="$UA" '
    /^#Fields:/ { delete ix; for (i = 2; i <= NF; i++) ix[$i] = i - 1; next }
    /^#/ { next }
    $(ix["cs(User-Agent)"]) == ua { print $(ix["cs-username"]), $(ix["sc-status"]) }' "$LOGDIR"/W3SVC1/u_ex*.log | sort | uniq -c)
[ "$(echo "$users" | awk '{print $2, $3}')" = "alice 200" ] || h_fail "log lines not all 'alice 200': $users"
adv_pass
