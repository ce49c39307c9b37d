# A reload that leaves the site's trust settings alone leaves its TLS
# sessions resumable, and a resumed session is still judged by the mappings
# of the running configuration.  alice saves a session (TLS 1.3 and 1.2);
# `certmap add mapping` maps carol, an unrelated change: the old session
# resumes ("Reused") and is alice (200, alice in the W3C log).  Then alice's
# own mapping goes: the old session still resumes, and gets 401.2 as a
# fresh handshake does - no authentication outlives its removal.
. "$(dirname "$0")/harness.sh"
. "$(dirname "$0")/resume_lib.sh"
h_init
h_std
h_start
SITE="Default Web Site"
PROTOS=(-tls1_3 -tls1_2)

for p in "${PROTOS[@]}"; do
    tls_req localhost alice "$p" -sess_out "$T/sess$p"
    [ "$TLS_STATUS" = 200 ] || h_fail "$p: alice: HTTP $TLS_STATUS"
    resume_req localhost - "$T/sess$p" "$p"
    resume_expect "$p: control, before any reload" 1 200
done

add_carol() {
    printf 'carol-pw\n' | "$CERTMAP" -c "$CFG" add mapping --site "$SITE" --cert "$PKI/carol.crt" \
        --user carol --password-stdin >"$T/cli.out" 2>&1
}
resume_reload add_carol
tls_req localhost carol -tls1_3
[ "$TLS_STATUS" = 200 ] || h_fail "carol's new mapping does not serve her: HTTP $TLS_STATUS"

for p in "${PROTOS[@]}"; do
    for who in - carol; do
        # Offering carol's certificate changes nothing: the session is alice's.
        resume_req localhost "$who" "$T/sess$p" "$p"
        resume_expect "$p: alice's session after an unrelated reload (offering '$who')" 1 200
        expect_log 1 alice 200 0 /
    done
done

remove_alice() {
    "$CERTMAP" -c "$CFG" remove mapping --site "$SITE" --cert "$PKI/alice.crt" >"$T/cli.out" 2>&1
}
resume_reload remove_alice
tls_req localhost alice -tls1_3
[ "$TLS_STATUS" = 401 ] || h_fail "alice's mapping removed, yet a fresh handshake gets HTTP $TLS_STATUS"

for p in "${PROTOS[@]}"; do
    resume_req localhost - "$T/sess$p" "$p"
    resume_expect "$p: alice's session after her mapping was removed" 1 401 2
    expect_log 1 - 401 2 /
done
h_stop
h_pass
