# Idle keep-alive connections are closed after idleTimeoutSeconds (3 here),
# not earlier and not much later, counting from the last response; a request
# within the idle time is served on the same connection and restarts it, so
# a connection busy for longer than the idle time is never cut.
. "$(dirname "$0")/adv_lib.sh"
h_init
adv_site_anon
# 3 s, not less: the checks at 1 s must not depend on this script being
# scheduled within a second on a loaded machine.
H_LIMITS='idleTimeoutSeconds="3" headerTimeoutSeconds="10"'
h_start
ADV_COLLECT=1

R='GET /a.txt HTTP/1.1\r\nHost: localhost\r\n\r\n'
for kind in tls tcp; do
    adv_open idle_$kind $kind
    adv_send idle_$kind "$R"
done
sleep 1
for kind in tls tcp; do
    adv_is_open idle_$kind || adv_problem "$kind: closed 1 s after the first response (idle timeout 3 s)"
    adv_send idle_$kind "$R" || adv_problem "$kind: second request could not be sent"
    ADV_T0[idle_$kind]=$(adv_now_us)
done
for kind in tls tcp; do
    adv_wait_closed idle_$kind 15 || adv_problem "$kind: idle connection still open after 15 s"
    [ "$ADV_ELAPSED_MS" -ge 2500 ] && [ "$ADV_ELAPSED_MS" -le $((3000 + 1500 * H_SLOW)) ] ||
        adv_problem "$kind: idle connection closed $ADV_ELAPSED_MS ms after the last request, expected about 3000"
    n=$(adv_count_responses "$T/idle_$kind.out")
    [ "$n" -ge 2 ] && grep -aq '^HTTP/1.1 200' "$T/idle_$kind.out" ||
        adv_problem "$kind: $n responses on the keep-alive connection, expected both requests answered"
    [ "$(grep -a -c '^HTTP/1.1 200' "$T/idle_$kind.out")" = 2 ] ||
        adv_problem "$kind: not two 200 responses: $(grep -a '^HTTP/' "$T/idle_$kind.out" | tr '\r\n' '  ')"
done

# A busy keep-alive connection (a request every 0.5 s for 5 s, longer than the
# idle timeout) is never cut: all ten requests are answered.
for kind in tls tcp; do
    adv_open busy_$kind $kind
    adv_send busy_$kind "$R"
done
for i in $(seq 2 10); do
    sleep 0.5
    for kind in tls tcp; do adv_send busy_$kind "$R"; done
done
for kind in tls tcp; do
    # the last answer may still be on its way: wait for it (bounded), or the close
    for _ in $(seq 1 $((50 * H_SLOW))); do
        [ "$(grep -a -c '^HTTP/1.1 200' "$T/busy_$kind.out")" -ge 10 ] && break
        adv_is_open busy_$kind || break
        sleep 0.1
    done
    n=$(grep -a -c '^HTTP/1.1 200' "$T/busy_$kind.out")
    [ "$n" = 10 ] || adv_problem "$kind: busy keep-alive connection: $n of 10 requests (one every 0.5 s) answered before the close; open now: $(adv_is_open busy_$kind && echo yes || echo no)"
    adv_close busy_$kind
done
adv_collected_fail
adv_pass
