# Keep-alive: 100 requests from one curl command go over one TLS connection
# (with a client certificate, authenticated once per connection); all 100 are
# answered 200 and logged with the mapped user.
. "$(dirname "$0")/harness.sh"
h_init
h_std
h_start

urls=()
outs=()
for i in $(seq 1 100); do
    urls+=("https://localhost:$PORT/index.html?n=$i")
    outs+=(-o /dev/null)
done
ua="certmap-e2e-keepalive/$$"
timeout $((30 * H_SLOW)) curl -sS --noproxy '*' --max-time $((30 * H_SLOW)) --cacert "$PKI/ca.crt" \
    --cert "$PKI/alice.crt" --key "$PKI/alice.key" --resolve "localhost:$PORT:127.0.0.1" -A "$ua" \
    -w '%{http_code} %{num_connects}\n' "${outs[@]}" "${urls[@]}" >"$T/ka.out" 2>"$T/curl.err" ||
    h_fail "curl failed: $(head -c 300 "$T/curl.err")"
n200=$(awk '$1 == 200' "$T/ka.out" | wc -l)
conns=$(awk '{ s += $2 } END { print s + 0 }' "$T/ka.out")
[ "$n200" = 100 ] || h_fail "$n200 of 100 requests answered 200: $(sort "$T/ka.out" | uniq -c | tr '\n' ' ')"
[ "$conns" = 1 ] || h_fail "100 requests used $conns connections (expected 1)"

count=0
for i in $(seq 1 $((30 * H_SLOW))); do
    count=$(w3c_count 1 "$ua")
    [ "$count" -ge 100 ] && break
    sleep 0.1
done
[ "$count" = 100 ] || h_fail "$count W3C log lines for 100 requests"
users=$(awk -v ua="$ua" '/^#Fields:/ { delete ix; for (i = 2; i <= NF; i++) ix[$i] = i - 1; next }
    /^#/ { next } $(ix["cs(User-Agent)"]) == ua { print $(ix["cs-username"]) }' "$LOGDIR"/W3SVC1/u_ex*.log | sort -u)
[ "$users" = alice ] || h_fail "logged users: $users"

h_stop
h_pass
