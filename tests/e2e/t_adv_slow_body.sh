# Slow request body: with requestTimeoutSeconds="2", a body announced by
# Content-Length (or chunked) and sent one byte per second does not hold the
# connection: it is closed about 2 s after the head, over TLS and plain HTTP,
# and nothing in the body is taken for a request.
. "$(dirname "$0")/adv_lib.sh"
h_init
adv_site_anon
H_LIMITS='requestTimeoutSeconds="2" headerTimeoutSeconds="10" idleTimeoutSeconds="30"'
h_start

LIMIT_MS=$((2000 + 1500 * H_SLOW))
BODY=$(printf 'x%.0s' $(seq 1 60))

# Sends the characters of $2 one per second on connection $1 in the background.
dribble() {
    local name=$1 s=$2 i
    (
        for ((i = 0; i < ${#s}; i++)); do
            printf '%s' "${s:i:1}" 1>&"${ADV_FD[$name]}" 2>/dev/null || exit 0
            sleep 1
        done
    ) &
    H_BG_PIDS+=($!)
}

for kind in tls tcp; do
    adv_open cl_$kind $kind
    adv_send cl_$kind 'POST /a.txt HTTP/1.1\r\nHost: localhost\r\nContent-Length: 60\r\n\r\n'
    adv_open ch_$kind $kind
    adv_send ch_$kind 'POST /a.txt HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n'
done
for kind in tls tcp; do
    ADV_T0[cl_$kind]=$(adv_now_us)
    ADV_T0[ch_$kind]=$(adv_now_us)
    dribble cl_$kind "$BODY"
    dribble ch_$kind "$(printf '1\r\nx\r\n%.0s' $(seq 1 20))"
done
for name in cl_tls cl_tcp ch_tls ch_tcp; do
    adv_wait_closed $name 15 || h_fail "$name: slow body: still open after 15 s (request timeout 2 s)"
    [ "$ADV_ELAPSED_MS" -le "$LIMIT_MS" ] ||
        h_fail "$name: slow body: closed after $ADV_ELAPSED_MS ms, expected about 2000 (limit $LIMIT_MS)"
    n=$(adv_count_responses "$T/$name.out")
    [ "$n" -le 2 ] || h_fail "$name: $n responses to one request"
done

# A body that is complete but slow to start still gets its response, and the
# body bytes (which spell a request) are not answered.
adv_open ok tcp
adv_send ok 'GET /a.txt HTTP/1.1\r\nHost: localhost\r\nContent-Length: 45\r\n\r\n'
sleep 1
adv_send ok 'GET /secret.txt HTTP/1.1\r\nHost: localhost\r\n\r\n'
adv_send ok 'GET /index.html HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n'
adv_wait_closed ok $((5 * H_SLOW)) || h_fail "complete body after 1 s: connection not closed after Connection: close"
[ "$(adv_count_responses "$T/ok.out")" = 2 ] || h_fail "complete body after 1 s: expected 2 responses: $(head -c 600 "$T/ok.out")"
! grep -aqF "$ADV_SENTINEL" "$T/ok.out" || h_fail "a request spelled by the body was served"

req - https://localhost:$PORT/a.txt
expect_status 200
adv_pass
