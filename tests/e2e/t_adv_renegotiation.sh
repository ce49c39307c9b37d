# Client-initiated renegotiation is refused: in a TLS 1.2 session that has
# served a request, s_client's "R" command sends a new ClientHello; certmapd
# must not answer it with a ServerHello (the client sees an alert or a
# close), so a connection can never change its client certificate midway.
# A control s_server with -client_renegotiation shows the detection works.
. "$(dirname "$0")/adv_lib.sh"
h_init
h_std
h_start

# renego PORT OUTFILE [s_client options]: request, "R", request, EOF.
renego() {
    local port=$1 out=$2 fd pid
    shift 2
    rm -f "$T/r.in"
    mkfifo "$T/r.in"
    timeout $((20 * H_SLOW)) stdbuf -oL openssl s_client -connect "127.0.0.1:$port" -servername localhost -tls1_2 -msg \
        -CAfile "$PKI/ca.crt" -cert "$PKI/alice.crt" -key "$PKI/alice.key" "$@" <"$T/r.in" >"$out" 2>&1 &
    pid=$!
    exec {fd}>"$T/r.in"
    wait_for "$out" 'Verify return code' || h_fail "no TLS handshake with port $port: $(tail -n 3 "$out")"
    printf 'GET / HTTP/1.1\r\nHost: localhost\r\nUser-Agent: renego-1\r\n\r\n' 1>&"$fd"
    [ "$port" = "$CTRL" ] && sleep 0.3 || wait_for "$out" '^HTTP/1.1 '
    printf 'R\n' 1>&"$fd"
    wait_for "$out" '^RENEGOTIATING'
    # the control answers the renegotiation: wait for its second ServerHello
    # (certmapd must send none: there the second is never waited for)
    if [ "$port" = "$CTRL" ]; then
        for _ in $(seq 1 $((50 * H_SLOW))); do
            [ "$(server_hellos "$out")" -ge 2 ] && break
            sleep 0.1
        done
    fi
    sleep 1
    printf 'GET / HTTP/1.1\r\nHost: localhost\r\nUser-Agent: renego-2\r\n\r\n' 1>&"$fd" 2>/dev/null
    sleep 0.5
    exec {fd}>&-
    wait $pid 2>/dev/null
}
wait_for() { # FILE REGEX: up to 5 s (x H_SLOW) for a line matching REGEX
    local i
    for i in $(seq 1 $((50 * H_SLOW))); do
        grep -aq -- "$2" "$1" && return 0
        sleep 0.1
    done
    return 1
}
server_hellos() {
    grep -a -c 'Handshake \[length [0-9a-f]*\], ServerHello$' "$1"
}

# Control: a server that allows client renegotiation gives two ServerHellos.
h_port CTRL
mkfifo "$T/ctrl.in"
openssl s_server -accept "127.0.0.1:$CTRL" -cert "$PKI/server.crt" -key "$PKI/server.key" \
    -client_renegotiation -quiet <"$T/ctrl.in" >"$T/ctrl.out" 2>&1 &
ctrl_pid=$!
H_BG_PIDS+=("$ctrl_pid")
exec {ctrl_in}>"$T/ctrl.in"
for i in $(seq 1 50); do h_listening "$CTRL" && break; sleep 0.1; done
renego "$CTRL" "$T/ctrl_client.out"
n=$(server_hellos "$T/ctrl_client.out")
[ "$n" = 2 ] || h_fail "control: $n ServerHellos from an s_server that allows renegotiation (expected 2): $(grep -a -m5 'RENEG\|ServerHello\|error' "$T/ctrl_client.out")"
grep -aq RENEGOTIATING "$T/ctrl_client.out" || h_fail "control: s_client did not try to renegotiate"
kill "$ctrl_pid" 2>/dev/null
exec {ctrl_in}>&-

# certmapd: one ServerHello only; the first request was served.
renego "$PORT" "$T/reneg.out"
grep -aq RENEGOTIATING "$T/reneg.out" || h_fail "s_client did not try to renegotiate"
grep -aq '^HTTP/1.1 200' "$T/reneg.out" || h_fail "the request before the renegotiation was not served: $(grep -a -m3 '^HTTP\|error' "$T/reneg.out")"
n=$(server_hellos "$T/reneg.out")
[ "$n" = 1 ] || h_fail "client-initiated renegotiation was accepted: $n ServerHellos"
h_log "after R: $(grep -a -m2 -iE 'Alert|no renegotiation' "$T/reneg.out" | tr '\n' ' ')"
# Whatever happened to that connection, the second request was not served
# on a renegotiated session: at most the first response and, if the server
# ignored the ClientHello, none after it.
[ "$(adv_count_responses "$T/reneg.out")" -le 1 ] || h_fail "a request after the refused renegotiation was served"

# The server is fine.
req alice /
expect_status 200
adv_pass
