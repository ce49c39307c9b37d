# A second certmapd started on a port the first one already serves must
# refuse to start ("port in use", exit non-zero) instead of silently sharing
# the port through SO_REUSEPORT and taking part of its connections.
. "$(dirname "$0")/harness.sh"
h_init
h_std
h_start
first=$SERVER_PID

timeout $((10 * H_SLOW)) "$CERTMAPD" -c "$CFG" --foreground >"$T/second.out" 2>&1 &
second=$!
H_BG_PIDS+=("$second")
wait "$second"
rc=$?
[ $rc -ne 0 ] && [ $rc -ne 124 ] || h_fail "second certmapd on port $PORT: exit code $rc (expected a prompt non-zero exit)"
grep -aq "$PORT" "$T/second.out" || h_fail "second certmapd: no message naming port $PORT: $(head -c 300 "$T/second.out")"

h_alive "$first" || h_fail "the first certmapd died"
req alice /
expect_status 200

h_stop
h_pass
