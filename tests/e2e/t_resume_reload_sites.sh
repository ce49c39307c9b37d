# Sessions that survive a reload still stay with their site.  Sites A
# (localhost, maps alice) and B (b.localhost, maps bob) share one port, one
# client CA file and one CRL, so their trust settings are the same and only
# the site's identity tells their sessions apart.  Across a reload that
# changes nothing of either (SIGHUP), each site's session resumes on its own
# site with its own user; offered to the other site (its SNI and Host), it
# gets a full handshake (403.7 without a certificate), before the reload and
# after.  TLS 1.3 and 1.2.
. "$(dirname "$0")/harness.sh"
. "$(dirname "$0")/resume_lib.sh"
h_init
h_two_sites
h_start
PROTOS=(-tls1_3 -tls1_2)

crossing() { # LABEL
    local p
    for p in "${PROTOS[@]}"; do
        resume_req b.localhost - "$T/sA$p" "$p"
        resume_expect "$p: $1: A's session on B" 0 403 7
        grep -aqF "certmap e2e site B" "$T/tls.out" && h_fail "$p: $1: B's content served"
        expect_log 2 - 403 7 /
        resume_req localhost - "$T/sB$p" "$p"
        resume_expect "$p: $1: B's session on A" 0 403 7
        expect_log 1 - 403 7 /
    done
}
own_site() { # LABEL
    local p
    for p in "${PROTOS[@]}"; do
        resume_req localhost - "$T/sA$p" "$p"
        resume_expect "$p: $1: A's session on A" 1 200
        expect_log 1 alice 200 0 /
        resume_req b.localhost - "$T/sB$p" "$p"
        resume_expect "$p: $1: B's session on B" 1 200
        expect_log 2 bob 200 0 /
    done
}

for p in "${PROTOS[@]}"; do
    tls_req localhost alice "$p" -sess_out "$T/sA$p"
    [ "$TLS_STATUS" = 200 ] || h_fail "$p: alice on A: HTTP $TLS_STATUS"
    tls_req b.localhost bob "$p" -sess_out "$T/sB$p"
    [ "$TLS_STATUS" = 200 ] || h_fail "$p: bob on B: HTTP $TLS_STATUS"
done
own_site "before the reload"
crossing "before the reload"

resume_reload kill -HUP "$SERVER_PID"
own_site "after the reload"
crossing "after the reload"
h_stop
h_pass
