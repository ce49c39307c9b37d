# Server-initiated renegotiation for a late certificate does not open the
# door to client-initiated renegotiation: on a TLS 1.2 connection to a site
# that asks late, s_client's "R" (a new ClientHello) gets no ServerHello,
# neither before the server renegotiated (request to "/") nor after it did
# (request to /secure/, one more ServerHello: the server's own).
. "$(dirname "$0")/late_lib.sh"
h_init
late_site
h_start

# renego PATH OUTFILE: TLS 1.2, GET PATH (keep-alive), "R", GET /, EOF.
renego() {
    local out=$2 fd pid
    rm -f "$T/r.in"
    mkfifo "$T/r.in"
    : >"$out"
    timeout $((20 * H_SLOW)) stdbuf -oL openssl s_client -connect "127.0.0.1:$PORT" -servername localhost -tls1_2 -msg \
        -CAfile "$PKI/ca.crt" -cert "$PKI/alice.crt" -key "$PKI/alice.key" <"$T/r.in" >>"$out" 2>&1 &
    pid=$!
    exec {fd}>"$T/r.in"
    late_wait_for "$out" 'Verify return code' || h_fail "no TLS handshake: $(tail -n 3 "$out")"
    printf 'GET %s HTTP/1.1\r\nHost: localhost\r\nUser-Agent: renego-1\r\n\r\n' "$1" 1>&"$fd"
    late_wait_for "$out" '^HTTP/1.1 ' || h_fail "$1: no response before R"
    printf 'R\n' 1>&"$fd"
    late_wait_for "$out" '^RENEGOTIATING' || h_fail "s_client did not try to renegotiate"
    sleep 1
    printf 'GET / HTTP/1.1\r\nHost: localhost\r\nUser-Agent: renego-2\r\n\r\n' 1>&"$fd" 2>/dev/null
    sleep 0.5
    exec {fd}>&-
    wait $pid 2>/dev/null
}
server_hellos() {
    grep -a -c 'Handshake \[length [0-9a-f]*\], ServerHello$' "$1"
}

renego / "$T/public.out"
grep -aq '^HTTP/1.1 200' "$T/public.out" || h_fail "/ was not served"
n=$(server_hellos "$T/public.out")
[ "$n" = 1 ] || h_fail "client-initiated renegotiation accepted on a late site: $n ServerHellos"
[ "$(adv_count_responses "$T/public.out")" -le 1 ] || h_fail "a request after the refused renegotiation was served"

renego /secure/ "$T/secure.out"
grep -aq 'HelloRequest' "$T/secure.out" || h_fail "/secure/: the server did not renegotiate"
grep -aq '^HTTP/1.1 200' "$T/secure.out" || h_fail "/secure/ was not served"
n=$(server_hellos "$T/secure.out")
[ "$n" = 2 ] || h_fail "after the server's renegotiation, the client's was accepted: $n ServerHellos (expected 2)"
[ "$(adv_count_responses "$T/secure.out")" -le 1 ] || h_fail "a request after the refused renegotiation was served"

adv_pass
