# A binding on "*" serves IPv4 and IPv6 loopback alike.
. "$(dirname "$0")/harness.sh"
h_init
grep -q ' lo$' /proc/net/if_inet6 2>/dev/null || h_fail "no IPv6 loopback on this machine"
h_std "*:$PORT:"
h_start

req alice "https://[::1]:$PORT/"
expect_status 200
expect_body_contains "certmap e2e site A"
expect_log 1 alice 200 0 /

req alice /
expect_status 200

h_stop
h_pass
