# A replaced crlFile takes effect without a signal: certmapd watches it, builds
# a new snapshot and refuses the certificate the new CRL revokes (403.13).
. "$(dirname "$0")/harness.sh"
. "$(dirname "$0")/crl_lib.sh"
h_init
crl_ca root "$PKI/ca.crt" "$PKI/ca.key"
crl_gen root "$T/ca.crl"
h_std
H_BINDINGS_XML="" # the standard binding, with this crlFile
cfg_https "127.0.0.1:$PORT:" server "clientCaFile=\"$PKI/ca.crt\" crlFile=\"$T/ca.crl\""
h_start

req alice /
expect_status 200
expect_log 1 alice 200 0 /

# A new CRL revoking alice replaces the file (written beside it, renamed over).
n=$(h_reloads)
crl_revoke root "$PKI/alice.crt"
crl_gen root "$T/ca.crl.new"
mv "$T/ca.crl.new" "$T/ca.crl"
h_reload_wait "$n"
grep -aq 'ca.crl changed' "$T/certmapd.out" || h_fail "the change of ca.crl is not logged"

req alice /
expect_status 403 13
expect_log 1 - 403 13 /

# Written in place (cp over the file) works too: carol, unmapped (401.2), is revoked next.
req carol /
expect_status 401 2
n=$(h_reloads)
crl_revoke root "$PKI/carol.crt"
crl_gen root "$T/ca.crl.new"
cat "$T/ca.crl.new" >"$T/ca.crl"
h_reload_wait "$n"
req carol /
expect_status 403 13
req alice /
expect_status 403 13

h_stop
h_pass
