# Many keep-alive clients proxied at once, more than the upstream pool keeps
# idle (maxIdlePerUpstream 8, set here below the default): connections closed while the worker handles a
# batch of events may still have events in it, so they are freed after the
# batch (this load crashed certmapd when they were freed at once).  Every
# request is answered 200, and certmapd stops cleanly (ASan: no report).
. "$(dirname "$0")/proxy_lib.sh"
h_init
LOAD=$H_BINDIR/mtls-load
[ -x "$LOAD" ] || h_fail "$LOAD is not built"
px_std
H_UPSTREAM='maxIdlePerUpstream="8"'
px_go

printf '%s %s\n' "$PKI/alice.crt" "$PKI/alice.key" >"$T/certs"
"$LOAD" --port "$PORT" --cacert "$PKI/ca.crt" --cert-list "$T/certs" --mode keepalive \
    --threads 1 --connections 32 --duration $((2 * H_SLOW)) --path /load >"$T/load.json" ||
    h_fail "mtls-load failed: $(cat "$T/load.json")"
n=$(jq -r .requests "$T/load.json")
ok=$(jq -r '.status["200"] // 0' "$T/load.json")
errors=$(jq -r '[.errors[]] | add' "$T/load.json")
[ "$n" -gt 32 ] || h_fail "too few requests: $(cat "$T/load.json")"
[ "$ok" = "$n" ] && [ "$errors" = 0 ] || h_fail "not every request answered 200: $(cat "$T/load.json")"
kill -0 "$SERVER_PID" 2>/dev/null || h_fail "certmapd died under the load"

h_stop
h_pass
