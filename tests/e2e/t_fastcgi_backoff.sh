# A supervised FastCGI program that exits as soon as it starts is started
# again with a growing delay (250 ms, doubling, per application), not in a
# busy loop; every request meanwhile gets IIS's 500.0 page and the error log
# says why.
. "$(dirname "$0")/fastcgi_lib.sh"
h_init
# the program notes each start (ms) and exits with status 3
cat >"$T/broken-cgi" <<SH
#!/bin/sh
echo \$((\$(date +%s%N) / 1000000)) >>"$T/starts"
exit 3
SH
chmod 0755 "$T/broken-cgi"
: >"$T/starts"
chmod 0666 "$T/starts"
fc_std "$T/broken-cgi" 'maxInstances="4"'
fc_go

end=$((SECONDS + 4))
n=0
while [ $SECONDS -lt $end ]; do
    req alice /id.php
    expect_status 500 0
    expect_body_lacks "broken-cgi"
    n=$((n + 1))
done
[ "$n" -ge 5 ] || h_fail "only $n requests in 4 s"
grep -a -q "FastCGI: $T/broken-cgi (pid [0-9]*) exited with status 3" "$T/certmapd.out" ||
    h_fail "the exit is not in the error log"
grep -a -q "FastCGI application $T/broken-cgi .*waits before its restart" "$T/certmapd.out" ||
    h_fail "a request refused during the backoff is not explained in the error log"

# the starts: few, and each delay at least the backoff's (250, 500, 1000 ms ...)
mapfile -t starts <"$T/starts"
[ "${#starts[@]}" -ge 2 ] || h_fail "${#starts[@]} start(s) in 4 s: no restart at all"
[ "${#starts[@]}" -le 6 ] || h_fail "${#starts[@]} starts for $n requests in 4 s: no backoff"
want=250
for i in $(seq 1 $((${#starts[@]} - 1))); do
    gap=$((starts[i] - starts[i - 1]))
    # 50 ms of slack: the start is stamped by the program, the delay runs from its reaping
    [ "$gap" -ge $((want - 50)) ] || h_fail "restart $i came $gap ms after the previous start (backoff $want ms)"
    want=$((want * 2))
done
h_stop
h_pass
