# SIGTERM during a slow download: certmapd stops accepting new connections,
# finishes the transfer in flight (the client gets every byte) and exits 0.
. "$(dirname "$0")/harness.sh"
h_init
h_std
# 24 MiB, more than the loopback socket buffers, read at 6 MiB/s: the server
# is still sending when SIGTERM arrives.
head -c $((24 * 1024 * 1024)) /dev/urandom >"$WWW/big.bin"
want=$(sha256sum <"$WWW/big.bin" | cut -d' ' -f1)
h_start

curl -sS --noproxy '*' --max-time $((40 * H_SLOW)) --cacert "$PKI/ca.crt" --cert "$PKI/alice.crt" \
    --key "$PKI/alice.key" --resolve "localhost:$PORT:127.0.0.1" --limit-rate 6M \
    -o "$T/big.out" -w '%{http_code}' "https://localhost:$PORT/big.bin" >"$T/dl.status" 2>"$T/curl.err" &
dl=$!
H_BG_PIDS+=("$dl")

# Wait until the download is under way, then SIGTERM.
for i in $(seq 1 100); do
    [ "$(stat -c %s "$T/big.out" 2>/dev/null || echo 0)" -gt 1000000 ] && break
    sleep 0.05
done
[ "$(stat -c %s "$T/big.out" 2>/dev/null || echo 0)" -gt 1000000 ] || h_fail "download did not start"
[ "$(h_listeners "$PORT")" -ge 1 ] || h_fail "test setup: h_listeners sees no socket listening on $PORT"
kill -TERM "$SERVER_PID"
sleep 0.5
h_alive "$SERVER_PID" || h_fail "certmapd exited 0.5 s after SIGTERM with a download in flight"
kill -0 "$dl" 2>/dev/null || h_fail "download finished before SIGTERM took effect (test too fast)"

# No new connections while draining: once every worker has closed its
# listening socket (one each, SO_REUSEPORT; they do so when they get to the
# stop, not at the signal), a connection is refused.
for _ in $(seq 1 $((100 * H_SLOW))); do
    [ "$(h_listeners "$PORT")" = 0 ] && break
    sleep 0.1
done
[ "$(h_listeners "$PORT")" = 0 ] || h_fail "certmapd still listens on $PORT $((10 * H_SLOW)) s after SIGTERM"
kill -0 "$dl" 2>/dev/null || h_fail "download finished before the listeners closed (test too fast)"
req alice /
[ "$CURL_RC" = 7 ] || h_fail "a new connection during shutdown got curl exit $CURL_RC, HTTP $STATUS (expected refused)"

wait "$dl"
dl_rc=$?
[ "$dl_rc" = 0 ] || h_fail "download failed (curl exit $dl_rc: $(head -c 300 "$T/curl.err"))"
[ "$(cat "$T/dl.status")" = 200 ] || h_fail "download HTTP $(cat "$T/dl.status")"
got=$(sha256sum <"$T/big.out" | cut -d' ' -f1)
[ "$got" = "$want" ] || h_fail "downloaded file differs ($(stat -c %s "$T/big.out") bytes)"

h_wait_exit 10
[ "$SERVER_RC" = 0 ] || h_fail "certmapd exit code $SERVER_RC after SIGTERM (expected 0)"
h_pass
