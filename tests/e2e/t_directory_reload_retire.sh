# A reload that changes <certmap><directory> retires the old lookup pool,
# whose stop waits for the lookups it is running (each up to
# timeoutSeconds).  The last reference to the old pool may be dropped by a
# worker (a connection on the old configuration closing): the stop must not
# run there, or the worker's other connections wait with it.  slapd is
# frozen (SIGSTOP: connections are accepted, nothing answers), dave's
# request keeps the old pool's only thread in a lookup (two tries of
# timeoutSeconds), a reload changes cacheSeconds, dave's request times out
# first (requestTimeoutSeconds: 503) and his connection, the last user of
# the old pool, closes while the lookup still runs; a request on the same
# (single) worker must then be answered at once, not when the lookup ends.
. "$(dirname "$0")/harness.sh"
. "$(dirname "$0")/dir_lib.sh"
. "$(dirname "$0")/metrics_lib.sh"
h_init
dir_init
dir_start
dir_std_site
H_SERVER+=' workers="1"'
H_LIMITS='requestTimeoutSeconds="2"'
dir_cfg cacheSeconds=\"30\" timeoutSeconds=\"5\" connections=\"1\"
h_port SPORT
H_STATUS="listen=\"127.0.0.1:$SPORT\""
dir_cfg_write
H_WAIT_PORTS+=("$SPORT")
h_start

# the pool's connection is open and bound
req alice /
expect_status 200

kill -STOP "$SLAPD_PID"
curl -sS --noproxy '*' --max-time 60 -o /dev/null -w '%{http_code}' --cacert "$PKI/ca.crt" \
    --cert "$PKI/dave.crt" --key "$PKI/dave.key" --resolve "localhost:$PORT:127.0.0.1" \
    "https://localhost:$PORT/" >"$T/dave.code" 2>&1 &
DAVE=$!
H_BG_PIDS+=("$DAVE")
# dave's lookup is queued on the old pool (its second miss, after alice's)
deadline=$((SECONDS + 10 * H_SLOW))
until scrape "$T/m" && [ "$(val "$T/m" 'certmapd_directory_requests_total{result="miss"}')" = 2 ]; do
    [ $SECONDS -lt $deadline ] || h_fail "dave's lookup was not queued: $(grep directory_requests "$T/m")"
    sleep 0.1
done

n=$(h_reloads)
sed -i 's/cacheSeconds="30"/cacheSeconds="31"/' "$CFG"
kill -HUP "$SERVER_PID"
h_reload_wait "$n"
grep -q 'reload failed' "$T/certmapd.out" && h_fail "the reload failed: $(grep 'reload failed' "$T/certmapd.out")"

# dave's request times out (503): his connection held the last reference to the old pool
wait "$DAVE"
[ "$(cat "$T/dave.code")" = 503 ] || h_fail "dave: $(cat "$T/dave.code"), expected 503 (request timeout)"
sleep 0.2
start=$(date +%s%N)
req - /
expect_status 403 7
ms=$((($(date +%s%N) - start) / 1000000))
h_log "a request on the worker after the old pool's release: $ms ms"
[ "$ms" -lt $((2000 * H_SLOW)) ] ||
    h_fail "the worker waited $ms ms: the old directory pool was stopped on it"

kill -CONT "$SLAPD_PID"
req alice /
expect_status 200
h_stop
dir_stop
h_pass
