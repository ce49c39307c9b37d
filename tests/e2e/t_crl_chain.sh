# crlFile covers the whole chain of a client certificate (as nginx's ssl_crl):
# a certificate issued by a revoked intermediate CA is refused with 403.13
# even though its own CA's CRL does not list it; crlFile holds one CRL per CA.
. "$(dirname "$0")/harness.sh"
. "$(dirname "$0")/crl_lib.sh"
h_init
crl_intermediate inter "/O=certmap demo/CN=certmap intermediate CA"
h_issue erin "/O=certmap demo/CN=erin" inter
cat "$PKI/inter.crt" >>"$PKI/erin.crt" # the client sends its chain
h_account erin erin-pw

# The demo CA revokes the intermediate; the intermediate's CRL is empty.
crl_ca root "$PKI/ca.crt" "$PKI/ca.key"
crl_revoke root "$PKI/inter.crt"
crl_gen root "$T/root.crl"
crl_gen inter "$T/inter.crl"
cat "$T/root.crl" "$T/inter.crl" >"$T/chain.crl"

h_std
H_BINDINGS_XML="" # the standard binding, with this crlFile
cfg_https "127.0.0.1:$PORT:" server "clientCaFile=\"$PKI/ca.crt\" crlFile=\"$T/chain.crl\""
cfg_map erin erin erin-pw
h_start

req erin /
expect_status 403 13
expect_log 1 - 403 13 /
grep -aq 'refused: certificate revoked (crlFile '"$T/chain.crl"':' "$T/certmapd.out" ||
    h_fail "the refusal does not name the CRLs"

# alice (issued by the demo CA itself) is not affected
req alice /
expect_status 200
expect_log 1 alice 200 0 /

h_stop
h_pass
