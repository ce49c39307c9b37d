# What a session's authentication rests on decides whether it survives a
# reload.  The binding trusts $T/trust.pem (the demo CA) with CRL $T/ca.crl.
#  - The CRL is reissued (new number, nothing more revoked): the CRLs are
#    not in the session context, the certificate is verified again at
#    resumption with the same verdict, so alice's session resumes (200).
#  - trust.pem is replaced in place by the demo CA plus another CA: same
#    path, still trusting alice, but other content, so other trust anchors:
#    the old session is not resumed (full handshake: 403.7 without a
#    certificate, 200 with alice's).
#  - A CRL revoking alice replaces ca.crl: her session made under the old
#    CRL is verified again, the verdict differs, no resumption: 403.13.
# TLS 1.3 and 1.2.
. "$(dirname "$0")/harness.sh"
. "$(dirname "$0")/crl_lib.sh"
. "$(dirname "$0")/resume_lib.sh"
h_init
crl_ca root "$PKI/ca.crt" "$PKI/ca.key"
crl_gen root "$T/ca.crl"
cp "$PKI/ca.crt" "$T/trust.pem"
h_std
H_BINDINGS_XML="" # the standard binding, with these files
cfg_https "127.0.0.1:$PORT:" server "clientCaFile=\"$T/trust.pem\" crlFile=\"$T/ca.crl\""
h_start
PROTOS=(-tls1_3 -tls1_2)

save_sessions() {
    local p
    for p in "${PROTOS[@]}"; do
        tls_req localhost alice "$p" -sess_out "$T/sess$p"
        [ "$TLS_STATUS" = 200 ] || h_fail "$p: alice: HTTP $TLS_STATUS"
        resume_req localhost - "$T/sess$p" "$p"
        resume_expect "$p: control" 1 200
    done
}
# replace FILE SOURCE: SOURCE's content becomes FILE's (written beside it, renamed over)
replace() { cp "$2" "$1.new" && mv "$1.new" "$1"; }
new_crl() { crl_gen root "$T/crl.next" && replace "$T/ca.crl" "$T/crl.next"; }

save_sessions
resume_reload new_crl
for p in "${PROTOS[@]}"; do
    resume_req localhost - "$T/sess$p" "$p"
    resume_expect "$p: CRL reissued, nothing revoked" 1 200
    expect_log 1 alice 200 0 /
done

cat "$PKI/ca.crt" "$PKI/untrusted-ca.crt" >"$T/both.pem"
resume_reload replace "$T/trust.pem" "$T/both.pem"
for p in "${PROTOS[@]}"; do
    resume_req localhost - "$T/sess$p" "$p"
    resume_expect "$p: CA file content replaced (no certificate offered)" 0 403 7
    resume_req localhost alice "$T/sess$p" "$p"
    resume_expect "$p: CA file content replaced (alice offered)" 0 200
done

save_sessions
crl_revoke root "$PKI/alice.crt"
resume_reload new_crl
for p in "${PROTOS[@]}"; do
    resume_req localhost - "$T/sess$p" "$p"
    resume_expect "$p: alice revoked (no certificate offered)" 0 403 7
    resume_req localhost alice "$T/sess$p" "$p"
    resume_expect "$p: alice revoked (alice offered)" 0 403 13
done
h_stop
h_pass
