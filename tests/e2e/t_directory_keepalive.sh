# The directory's answer on a keep-alive connection: alice's second request
# on the same connection is served from the connection's copy (a cache hit
# in the metrics, no second lookup), but never longer than the directory's
# own cache would serve it: once her mapping is removed, the next request on
# that same connection after cacheSeconds is refused, as a new connection's.
. "$(dirname "$0")/adv_lib.sh"
. "$(dirname "$0")/dir_lib.sh"
. "$(dirname "$0")/metrics_lib.sh"
h_init
dir_init
dir_start
dir_std_site
h_port SPORT
H_STATUS="listen=\"127.0.0.1:$SPORT\""
H_LIMITS='idleTimeoutSeconds="30"'
dir_cfg cacheSeconds=\"2\" negativeCacheSeconds=\"1\" maxStaleSeconds=\"60\" timeoutSeconds=\"2\"
dir_cfg_write
H_WAIT_PORTS+=("$SPORT")
h_start

R='GET / HTTP/1.1\r\nHost: localhost\r\n\r\n'
# wait_responses N: the connection's output holds N responses (5 s at most)
wait_responses() {
    local i
    for i in $(seq 1 $((50 * H_SLOW))); do
        [ "$(adv_count_responses "$T/ka.out")" -ge "$1" ] && return 0
        sleep 0.1
    done
    h_fail "$(adv_count_responses "$T/ka.out") responses on the connection, expected $1: $(tr '\r\n' '  ' <"$T/ka.out" | head -c 400)"
}
nth_status() {
    grep -a -E '^HTTP/1\.1 [0-9]{3}' "$T/ka.out" | sed -n "$1p" | awk '{print $2}'
}

scrape "$T/m1"
adv_open ka tls -cert "$PKI/alice.crt" -key "$PKI/alice.key"
adv_send ka "$R"
wait_responses 1
adv_send ka "$R"
wait_responses 2
[ "$(nth_status 1)" = 200 ] && [ "$(nth_status 2)" = 200 ] ||
    h_fail "alice on one connection: $(nth_status 1) then $(nth_status 2), expected 200 twice"
scrape "$T/m2"
moved 'certmapd_directory_requests_total{result="miss"}' 1
moved 'certmapd_directory_requests_total{result="hit"}' 1
moved 'certmapd_directory_lookups_total{result="answered"}' 1

# her mapping is removed: the same connection is refused within cacheSeconds
dir_modify "dn: uid=alice,ou=people,$DIR_BASE
changetype: modify
delete: altSecurityIdentities"
sleep 2.5
adv_is_open ka || h_fail "the keep-alive connection was closed (idle timeout 30 s)"
adv_send ka "$R"
wait_responses 3
[ "$(nth_status 3)" = 401 ] ||
    h_fail "alice's request on the same connection 2.5 s after her mapping was removed: $(nth_status 3), expected 401 (cacheSeconds=2)"
adv_close ka
h_stop
dir_stop
h_pass
