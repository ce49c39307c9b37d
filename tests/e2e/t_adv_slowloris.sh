# Slow headers (slowloris): with headerTimeoutSeconds="2", a request head
# sent one byte per second is answered 408 and the connection closed about
# 2 s after it started, however steadily the bytes come, over TLS and plain
# HTTP; the same for the second request of a keep-alive connection (the
# idle timeout, 30 s here, must not apply once a head has started), and for
# connections that send nothing at all: no TLS handshake, a handshake and
# then no byte, no byte on the plain port (a zero-byte slowloris must not get
# the idle time either).
. "$(dirname "$0")/adv_lib.sh"
h_init
adv_site_anon
H_LIMITS='headerTimeoutSeconds="2" idleTimeoutSeconds="30"'
h_start
ADV_COLLECT=1

HEAD='GET /a.txt HTTP/1.1\r\nHost: localhost\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n'
LIMIT_MS=$((2000 + 1500 * H_SLOW)) # the timeout plus scheduling slack

# Sends the bytes of HEAD one per second on connection $1 in the background.
dribble() {
    local name=$1 s i
    s=$(printf '%b' "$HEAD")
    (
        for ((i = 0; i < ${#s}; i++)); do
            printf '%s' "${s:i:1}" 1>&"${ADV_FD[$name]}" 2>/dev/null || exit 0
            sleep 1
        done
    ) &
    H_BG_PIDS+=($!)
}

adv_open slow_tls tls
adv_open slow_tcp tcp
dribble slow_tls
dribble slow_tcp
adv_open nohs_tcp tcp # plain TCP to the http port: no byte at all
adv_open nohs_tls tls # a TLS handshake, then no byte at all
exec {raw}<>"/dev/tcp/127.0.0.1/$PORT" || h_fail "connect to the https port failed"
cat <&"$raw" >"$T/nohs.out" &
nohs_pid=$!
H_BG_PIDS+=("$nohs_pid")
nohs_t0=$(adv_now_us)

for name in slow_tls slow_tcp nohs_tcp nohs_tls; do
    if ! adv_wait_closed $name 8; then
        adv_problem "$name: still open after 8 s (header timeout 2 s)"
    elif [ "$ADV_ELAPSED_MS" -gt "$LIMIT_MS" ]; then
        adv_problem "$name: closed after $ADV_ELAPSED_MS ms, expected about 2000 (limit $LIMIT_MS)"
    fi
done
for name in slow_tls slow_tcp; do
    grep -aq '^HTTP/1.1 408' "$T/$name.out" ||
        adv_problem "$name: no 408 before the close: $(head -c 300 "$T/$name.out" | cat -v)"
    [ "$(adv_count_responses "$T/$name.out")" = 1 ] || adv_problem "$name: more than one response"
done
while h_alive "$nohs_pid"; do
    if [ $((($(adv_now_us) - nohs_t0) / 1000)) -gt "$LIMIT_MS" ]; then
        adv_problem "TLS port: a connection without a handshake is still open after $LIMIT_MS ms"
        break
    fi
    sleep 0.05
done
first=$(head -c 1 "$T/nohs.out" | od -An -tx1 | tr -d ' \n')
[ -z "$first" ] || [ "$first" = 15 ] ||
    adv_problem "TLS port without handshake: unexpected bytes $(head -c 40 "$T/nohs.out" | od -An -tx1 | head -n 2)"
exec {raw}>&-

# Keep-alive: the first request is answered, the second dribbles in.
for kind in tls tcp; do
    adv_open ka_$kind $kind
    adv_send ka_$kind 'GET /index.html HTTP/1.1\r\nHost: localhost\r\n\r\n'
done
for kind in tls tcp; do
    for _ in $(seq 1 $((50 * H_SLOW))); do
        grep -aq '^HTTP/1.1 200' "$T/ka_$kind.out" && break
        sleep 0.1
    done
    grep -aq '^HTTP/1.1 200' "$T/ka_$kind.out" || adv_problem "ka_$kind: first request not answered"
    ADV_T0[ka_$kind]=$(adv_now_us)
    dribble ka_$kind
done
for kind in tls tcp; do
    if ! adv_wait_closed ka_$kind 8; then
        adv_problem "ka_$kind: slow second request: still open after 8 s"
    elif [ "$ADV_ELAPSED_MS" -gt "$LIMIT_MS" ]; then
        adv_problem "ka_$kind: slow second request closed after $ADV_ELAPSED_MS ms, expected about 2000 (not the 30 s idle timeout)"
    fi
    grep -aq '^HTTP/1.1 408' "$T/ka_$kind.out" || adv_problem "ka_$kind: no 408 for the slow second request"
done

# Still serving.
req - https://localhost:$PORT/a.txt
expect_status 200
adv_collected_fail
adv_pass
