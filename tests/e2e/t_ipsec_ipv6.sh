# ipSecurity for an IPv6 client (::1) on a "*" binding: IPv6 entries match it,
# IPv4 entries do not; IPv4 clients are unaffected by IPv6 entries.
. "$(dirname "$0")/harness.sh"
h_init
grep -q ' lo$' /proc/net/if_inet6 2>/dev/null || h_fail "no IPv6 loopback on this machine"
h_std "*:$PORT:"
ipsec() { # PATH ATTRS ENTRIES
    cfg_raw "  <location path=\"Default Web Site$1\"><system.webServer><security>
    <ipSecurity $2>$3</ipSecurity></security></system.webServer></location>"
}
ipsec /v6deny '' '<add ipAddress="::1" />'
ipsec /v6net 'allowUnlisted="false"' '<add ipAddress="::" subnetMask="ffff:ffff:ffff:ffff::" allowed="true" />'
ipsec /v4only 'allowUnlisted="false"' '<add ipAddress="127.0.0.1" allowed="true" />'
mkdir -p "$WWW/v6deny" "$WWW/v6net" "$WWW/v4only"
for d in v6deny v6net v4only; do printf '%s\n' "$d" >"$WWW/$d/index.html"; done
h_start

req alice "https://[::1]:$PORT/v6deny/"
expect_status 403 6
expect_log 1 - 403 6 /v6deny/
req alice /v6deny/
expect_status 200

req alice "https://[::1]:$PORT/v6net/"
expect_status 200
expect_log 1 alice 200 0 /v6net/
req alice /v6net/
expect_status 403 6

req alice "https://[::1]:$PORT/v4only/"
expect_status 403 6
req alice /v4only/
expect_status 200
expect_body_contains v4only

h_stop
h_pass
