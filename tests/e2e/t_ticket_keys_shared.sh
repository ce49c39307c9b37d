# Two certmapd instances share one session-ticket key file (<server
# ticketKeyFile>): a session alice made on instance 1 resumes on instance 2
# (TLS 1.3 and 1.2) and is still alice there (200, logged as alice); a
# session of site A never resumes on site B, on either instance.  Without
# the attribute (control), instance 2 does not resume instance 1's session.
. "$(dirname "$0")/harness.sh"
h_init
h_two_sites
KEYS=$T/ticket.keys
"$CERTMAP" ticket-keys rotate --file "$KEYS" >"$T/cli.out" 2>&1 || h_fail "ticket-keys rotate: $(cat "$T/cli.out")"
[ "$(stat -c %a "$KEYS")" = 600 ] || h_fail "a new key file is mode $(stat -c %a "$KEYS"), not 600"
H_SERVER+=" ticketKeyFile=\"$KEYS\""
cfg_write
# Instance 2: the same configuration on another port, with its own logs.
h_port PORT2
mkdir -p "$T/logs2"
sed -e "s/127\.0\.0\.1:$PORT:/127.0.0.1:$PORT2:/g" -e "s#\"$LOGDIR#\"$T/logs2#g" "$CFG" >"$T/second.config"
grep -q "127.0.0.1:$PORT2:" "$T/second.config" || h_fail "no second configuration"
h_start
h_start_instance "$T/second.config" "$PORT2" "$T/certmapd2.out"

for proto in -tls1_3 -tls1_2; do
    rm -f "$T/sess"
    tls_req localhost alice "$proto" -sess_out "$T/sess"
    [ "$TLS_STATUS" = 200 ] || h_fail "$proto: alice on instance 1: HTTP $TLS_STATUS"
    [ -s "$T/sess" ] || h_fail "$proto: no session from instance 1"
    PORT=$PORT2 tls_req localhost - "$proto" -sess_in "$T/sess"
    [ "$TLS_REUSED" = 1 ] || h_fail "$proto: instance 1's session not resumed on instance 2"
    [ "$TLS_STATUS" = 200 ] || h_fail "$proto: resumed on instance 2: HTTP $TLS_STATUS"
    LOGDIR=$T/logs2 expect_log 1 alice 200 0 /
    # Never across sites: A's session offered to site B, on both instances.
    for p in "$PORT" "$PORT2"; do
        PORT=$p tls_req b.localhost - "$proto" -sess_in "$T/sess"
        [ "$TLS_REUSED" = 0 ] || h_fail "$proto: site A's session resumed on site B (port $p)"
        [ "$TLS_STATUS" = 403 ] || h_fail "$proto: A's session on B (port $p): HTTP $TLS_STATUS, expected 403.7"
        grep -aqF "certmap e2e site B" "$T/tls.out" && h_fail "$proto: B's content served to A's session"
    done
    # And bob's session of site B resumes on B of instance 2, never on A.
    tls_req b.localhost bob "$proto" -sess_out "$T/sessB"
    PORT=$PORT2 tls_req b.localhost - "$proto" -sess_in "$T/sessB"
    [ "$TLS_REUSED" = 1 ] && [ "$TLS_STATUS" = 200 ] || h_fail "$proto: B's session on instance 2's B: reused=$TLS_REUSED HTTP $TLS_STATUS"
    PORT=$PORT2 tls_req localhost - "$proto" -sess_in "$T/sessB"
    [ "$TLS_REUSED" = 0 ] || h_fail "$proto: site B's session resumed on site A"
done

# Control: without the shared file, the instances do not resume each other's sessions.
kill -TERM "$INSTANCE_PID"
h_stop
sed -i "s# ticketKeyFile=\"$KEYS\"##" "$CFG" "$T/second.config"
grep -q ticketKeyFile "$CFG" "$T/second.config" && h_fail "control: ticketKeyFile still set"
# the old instance 2 must be gone, not just slow to stop: h_start_instance
# below would take its listening socket for the new one's
for _ in $(seq 1 $((100 * H_SLOW))); do
    h_alive "$INSTANCE_PID" || [ "$(h_listeners "$PORT2")" != 0 ] || break
    sleep 0.1
done
h_alive "$INSTANCE_PID" && h_fail "instance 2 still runs $((10 * H_SLOW)) s after SIGTERM"
[ "$(h_listeners "$PORT2")" = 0 ] || h_fail "something still listens on $PORT2"
h_start
h_start_instance "$T/second.config" "$PORT2" "$T/certmapd2.out"
tls_req localhost alice -tls1_3 -sess_out "$T/sess"
[ "$TLS_STATUS" = 200 ] || h_fail "control: alice: HTTP $TLS_STATUS"
tls_req localhost - -tls1_3 -sess_in "$T/sess"
[ "$TLS_REUSED" = 1 ] || h_fail "control: the session does not resume on its own instance"
PORT=$PORT2 tls_req localhost - -tls1_3 -sess_in "$T/sess"
[ "$TLS_REUSED" = 0 ] || h_fail "control: per-process keys, yet instance 2 resumed instance 1's session"
h_pass
