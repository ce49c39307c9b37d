# Upstream failures as ARR answers them: refused and timed out are 502.3, the error
# log names the upstream and the cause, the client sees nothing of it.
. "$(dirname "$0")/proxy_lib.sh"
h_init
h_port DEAD
PX_RULES="
        <rule name=\"refused\" stopProcessing=\"true\"><match url=\"^refused\" />
          <action type=\"Rewrite\" url=\"http://127.0.0.1:$DEAD/x\" /></rule>"
px_std
px_go

req alice /refused
expect_status 502 3
expect_log 1 alice 502 3 /refused
expect_body_lacks "127.0.0.1:$DEAD"
grep -q "proxy to http://127.0.0.1:$DEAD:.*refused" "$T/certmapd.out" ||
    h_fail "the error log does not name the upstream and the cause"

# the proxy timeout is 3 s: an upstream that answers after 6 s is a 502.3
# (timed in milliseconds: SECONDS counts whole seconds and could add one)
now_ms() {
    local t=${EPOCHREALTIME/./}
    echo $((t / 1000))
}
start=$(now_ms)
req alice /sleep/6
expect_status 502 3
el=$(($(now_ms) - start))
[ "$el" -lt 6000 ] || h_fail "the timeout did not apply ($el ms)"
grep -q "proxy to http://127.0.0.1:$UP: timed out" "$T/certmapd.out" || h_fail "no timeout in the error log"

# the server goes on
req alice /after
expect_status 200

h_stop
h_pass
