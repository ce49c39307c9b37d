# A pooled upstream connection that the upstream closed: closed while idle, it is seen before
# reuse and a new one is opened; closed just as a request arrives on it (the upstream reads it
# and goes away without answering), an idempotent request is sent once more on a new
# connection, a POST is not (502.3), as nginx's proxy_next_upstream does.
. "$(dirname "$0")/proxy_lib.sh"
h_init
h_port UPD
h_port UPI
PX_RULES="
        <rule name=\"drop\" stopProcessing=\"true\"><match url=\"^drop/(.*)\" />
          <action type=\"Rewrite\" url=\"http://127.0.0.1:$UPD/{R:1}\" /></rule>
        <rule name=\"idle\" stopProcessing=\"true\"><match url=\"^idle/(.*)\" />
          <action type=\"Rewrite\" url=\"http://127.0.0.1:$UPI/{R:1}\" /></rule>"
px_std
up="$CERTMAP_SRCDIR/tests/upstream.py"
h_bg python3 "$up" --port "$UPD" --record "$T/drop.jsonl" --max-requests 1
h_bg python3 "$up" --port "$UPI" --record "$T/idle.jsonl" --idle-close 300
px_wait_port "$UPD"
px_wait_port "$UPI"
px_go

# One client connection (so one worker and its pool) for a series of requests.
common=(-sS --noproxy '*' --max-time $((10 * H_SLOW)) --cacert "$PKI/ca.crt" --cert "$PKI/alice.crt"
    --key "$PKI/alice.key" --resolve "localhost:$PORT:127.0.0.1" -o /dev/null -w '%{http_code} ')
me="https://localhost:$PORT"
codes=$(curl "${common[@]}" -o /dev/null -o /dev/null "$me/drop/1" "$me/drop/2" "$me/drop/3" \
    --next "${common[@]}" -X PUT --data-binary hello "$me/drop/4" \
    --next "${common[@]}" --data-binary x "$me/drop/5" 2>"$T/curl.err")
[ "$codes" = "200 200 200 200 502 " ] || h_fail "statuses $codes (expected 200 200 200 200 502): $(cat "$T/curl.err")"
REC=$T/drop.jsonl
for t in /2 /3 /4; do
    [ "$(jq -c "select(.target == \"$t\") | [.dropped // false, .conn]" "$REC" | wc -l)" = 2 ] ||
        h_fail "$t: not sent twice: $(grep "\"$t\"" "$REC" | cut -c1-120)"
    [ "$(jq -c "select(.target == \"$t\" and .dropped != true) | .body_len" "$REC")" != "" ] ||
        h_fail "$t: not answered on a new connection"
done
[ "$(jq -c 'select(.target == "/4" and .dropped != true) | .body_len' "$REC")" = 5 ] ||
    h_fail "the PUT's body was not sent again whole"
[ "$(jq -c 'select(.target == "/5") | .dropped' "$REC")" = true ] || h_fail "/5 was sent again (a POST)"
[ "$(grep -c '"/5"' "$REC")" = 1 ] || h_fail "the POST was sent twice"
grep -aq "proxy to http://127.0.0.1:$UPD: a pooled connection failed before answering" "$T/certmapd.out" ||
    h_fail "the retry is not in the error log"
grep -aq "proxy to http://127.0.0.1:$UPD: the upstream closed the connection before answering" "$T/certmapd.out" ||
    h_fail "the POST's failure is not in the error log"

# Closed while idle (after 300 ms): seen before reuse, the next request opens a new connection.
codes=$(curl "${common[@]}" -o /dev/null "$me/idle/a" "$me/idle/a2" 2>"$T/curl.err")
[ "$codes" = "200 200 " ] || h_fail "idle warm-up: $codes"
sleep 1 # past the upstream's idle close (300 ms)
# ... and the close has reached certmapd (the upstream is a Python thread a
# loaded machine may run late): none of its connections to the upstream is
# still ESTABLISHED (a closed one is in CLOSE_WAIT), from the kernel.
upi_hex=$(printf '%04X' "$UPI")
to_upi_open() {
    awk -v p=":$upi_hex" 'FNR > 1 && substr($3, length($3) - 4) == p && $4 == "01"' /proc/net/tcp | wc -l
}
for _ in $(seq 1 $((100 * H_SLOW))); do
    [ "$(to_upi_open)" = 0 ] && break
    sleep 0.1
done
[ "$(to_upi_open)" = 0 ] || h_fail "the upstream did not close its idle connection within $((10 * H_SLOW)) s"
codes=$(curl "${common[@]}" "$me/idle/b" 2>"$T/curl.err")
[ "$codes" = "200 " ] || h_fail "after the idle close: $codes $(cat "$T/curl.err")"
REC=$T/idle.jsonl
[ "$(jq -r 'select(.target == "/b") | .conn' "$REC")" != "$(jq -r 'select(.target == "/a2") | .conn' "$REC")" ] ||
    h_fail "the connection the upstream closed was used again"

h_stop
h_pass
