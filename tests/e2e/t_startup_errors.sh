# Startup errors print a clear line and exit non-zero: a config error (named
# with file:line), a missing server key, a port already in use by another
# program (one that does not share it through SO_REUSEPORT).
. "$(dirname "$0")/harness.sh"
h_init
h_std

expect_startup_failure() { # WHAT PATTERN
    timeout $((10 * H_SLOW)) "$CERTMAPD" -c "$CFG" --foreground >"$T/start.out" 2>&1
    local rc=$?
    [ $rc -ne 0 ] && [ $rc -ne 124 ] || h_fail "$1: certmapd exit code $rc (expected non-zero, prompt)"
    grep -aqE "$2" "$T/start.out" || h_fail "$1: no message matching '$2': $(head -c 500 "$T/start.out")"
}

cfg_write
sed -i 's/SslRequireCert/SslRequireCertificate/' "$CFG"
expect_startup_failure "bad sslFlags" 'applicationHost\.config:[0-9]+.*SslRequireCertificate'

cfg_write
sed -i "s|$PKI/server.key|$T/missing.key|" "$CFG"
expect_startup_failure "missing key" 'missing\.key'

cfg_write
h_bg openssl s_server -quiet -accept "127.0.0.1:$PORT" -cert "$PKI/server.crt" -key "$PKI/server.key" </dev/null
for i in $(seq 1 $((100 * H_SLOW))); do
    h_listening "$PORT" && break
    sleep 0.05
done
h_listening "$PORT" || h_fail "test setup: s_server does not listen on $PORT"
expect_startup_failure "port in use" "$PORT"
kill "$BG_PID"
wait "$BG_PID" 2>/dev/null
for i in $(seq 1 50); do
    h_listening "$PORT" || break
    sleep 0.05
done

# And with nothing wrong it starts and serves.
h_start
req alice /
expect_status 200

h_stop
h_pass
