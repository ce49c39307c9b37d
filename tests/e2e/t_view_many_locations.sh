# 10 000 <location> elements: certmapd loads them in under a second and
# every one applies (the view has no fixed-size tables and builds in
# O(n log n); the old resolver dropped everything past 4 096 and took a
# minute for 4 100).
#
# The root ("S") is "Ssl, SslNegotiateCert" with anonymous access and alice
# mapped; S/d$i alternates "Ssl, SslNegotiateCert, SslRequireCert" (even i:
# 403.7 without a certificate where the root serves) and "None" (odd i: 200
# over plain HTTP where the root answers 403.4), so each spot check tells
# its own location from the root's.
#
# Load cost is the processor time certmapd has used when it logs "started"
# (user + system, from /proc: unlike the wall clock it does not grow when
# other tests load the machine), minus the same for the site with its one
# location: the difference is what the 9 999 extra locations cost.  The limit
# is 1 s in an optimised build and H_SLOW (3) times that under
# AddressSanitizer, whose allocator makes the build several times slower
# (measured: an optimised build 0.06 s, ASan 0.3 s on a loaded 2-core
# machine); the cubic build this guards against took 40 s and more.  The wall
# clock gets a loose bound only, against a stall.
. "$(dirname "$0")/harness.sh"
h_init
h_port HTTP_PORT
H_WAIT_PORTS+=("$HTTP_PORT")
N=10000
h_account alice alice-pw
for i in 1 2 5000 5001 9999 10000; do
    mkdir -p "$WWW/d$i"
    printf 'file of d%s\n' "$i" >"$WWW/d$i/f.txt"
done
mkdir -p "$WWW/d10001"
printf 'file of d10001\n' >"$WWW/d10001/f.txt"

cfg_site S 1
cfg_https "127.0.0.1:$PORT:"
cfg_http "127.0.0.1:$HTTP_PORT:"
cfg_location S ssl="Ssl, SslNegotiateCert" anon=true certmap=true
cfg_map alice alice alice-pw

# now_ms: milliseconds since the epoch.
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# startup_ms: starts certmapd on the current $CFG; sets STARTUP_MS to the
# milliseconds until its "started" line and STARTUP_CPU_MS to the processor
# time it had used by then (the server keeps running).
startup_ms() {
    local t0 i hz
    t0=$(now_ms)
    h_start
    for i in $(seq 1 $((1000 * H_SLOW))); do
        grep -aq 'certmapd .* started' "$T/certmapd.out" && break
        sleep 0.01
    done
    grep -aq 'certmapd .* started' "$T/certmapd.out" || h_fail "no 'started' line"
    STARTUP_MS=$(($(now_ms) - t0))
    hz=$(getconf CLK_TCK)
    # utime and stime: fields 14 and 15, 12 and 13 after the ") " that ends the command name
    STARTUP_CPU_MS=$(sed 's/^.*) //' "/proc/$SERVER_PID/stat" | awk -v hz="$hz" '{ print int(($12 + $13) * 1000 / hz) }')
}

# Baseline: the same site with its one location.
cfg_write
startup_ms
base=$STARTUP_MS
base_cpu=$STARTUP_CPU_MS
h_stop

# The 10 000 locations, generated in one pass (bash string appends would be quadratic).
awk -v n=$N 'BEGIN {
    for (i = 1; i <= n; i++) {
        f = (i % 2 == 0) ? "Ssl, SslNegotiateCert, SslRequireCert" : "None"
        printf "  <location path=\"S/d%d\">\n    <system.webServer>\n      <security>\n", i
        printf "        <access sslFlags=\"%s\" />\n      </security>\n    </system.webServer>\n  </location>\n", f
    }
}' >"$T/locations.xml"
cfg_raw "$(cat "$T/locations.xml")"
cfg_write
[ "$(grep -c '<location path="S/d' "$CFG")" = $N ] || h_fail "test setup: $N locations not written"
: >"$T/certmapd.out"
startup_ms
many=$STARTUP_MS
many_cpu=$STARTUP_CPU_MS
limit=$((1000 * H_SLOW))
h_log "startup: 1 location ${base} ms (cpu ${base_cpu} ms), $((N + 1)) locations ${many} ms (cpu ${many_cpu} ms); limit cpu +${limit} ms"
[ $((many_cpu - base_cpu)) -lt $limit ] ||
    h_fail "$N locations add $((many_cpu - base_cpu)) ms of processor time to the startup, limit ${limit} ms"
[ $((many - base)) -lt $((5 * limit)) ] ||
    h_fail "$N locations add $((many - base)) ms to the startup (wall clock), limit $((5 * limit)) ms"
grep -aqiE 'error|truncat|dropp' "$T/certmapd.out" && h_fail "startup logged an error or a dropped location"

# Spot checks: first, middle and last, both kinds each.
for i in 2 5000 10000; do
    req - "/d$i/f.txt"
    expect_status 403 7
    expect_log 1 - 403 7 "/d$i/f.txt"
    req alice "/d$i/f.txt"
    expect_status 200
    expect_body_contains "file of d$i"
    expect_log 1 alice 200 0 "/d$i/f.txt"
done
for i in 1 5001 9999; do
    req - "http://localhost:$HTTP_PORT/d$i/f.txt"
    expect_status 200
    expect_body_contains "file of d$i"
    expect_log 1 - 200 0 "/d$i/f.txt"
done
# Case variants match the same locations; the last two names are prefixes of nothing else.
req - "/D10000/f.txt"
expect_status 403 7
req - "http://localhost:$HTTP_PORT/D9999/f.txt"
expect_status 200
expect_body_contains "file of d9999"
# Controls: past the last location the root's rules hold.
req - "/d10001/f.txt"
expect_status 200
expect_body_contains "file of d10001"
req - "http://localhost:$HTTP_PORT/d10001/f.txt"
expect_status 403 4
expect_log 1 - 403 4 "/d10001/f.txt"

# The CLI answers from the same view.
"$CERTMAP" -c "$CFG" get config --site S --path /d5000/f.txt --section system.webServer/security/access \
    >"$T/get.out" 2>&1 || h_fail "certmap get config failed: $(cat "$T/get.out")"
grep -q 'SslRequireCert' "$T/get.out" || h_fail "certmap get config at /d5000: $(cat "$T/get.out")"

h_stop
h_pass
