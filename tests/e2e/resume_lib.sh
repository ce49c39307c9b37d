# tests/e2e/resume_lib.sh - TLS sessions across reloads, over harness.sh
# (source harness.sh first, then this file, then call h_init).
#
#   resume_reload CMD [ARGS...]   runs CMD (which changes the configuration
#                                 or a file certmapd watches) and waits until
#                                 one more reload has finished; fails unless
#                                 it was accepted.  SIGHUP when certmapd said
#                                 it cannot watch the files.
#   resume_req SNI WHO SESSION [s_client options...]
#                                 tls_req offering the saved SESSION
#   resume_expect LABEL REUSED STATUS [SUBSTATUS]
#                                 the last tls_req resumed (REUSED 1) or not
#                                 (0) and got STATUS[.SUBSTATUS]

resume_reload() {
    local n
    n=$(h_reloads)
    "$@" || h_fail "resume_reload: $* failed"
    if grep -aq 'for changes; reload with SIGHUP' "$T/certmapd.out"; then
        kill -HUP "$SERVER_PID" || h_fail "SIGHUP: certmapd is gone"
    fi
    h_reload_wait "$n"
    grep -a 'configuration reloaded\|reload failed' "$T/certmapd.out" | tail -n 1 |
        grep -aq 'configuration reloaded' || h_fail "the reload after '$*' was refused"
}

resume_req() {
    local sni=$1 who=$2 sess=$3
    shift 3
    [ -s "$sess" ] || h_fail "no saved session $sess"
    tls_req "$sni" "$who" -sess_in "$sess" "$@"
}

resume_expect() {
    local label=$1 reused=$2 st=$3 sub=${4-}
    local got="HTTP $TLS_STATUS, reused=$TLS_REUSED"
    [ "$TLS_REUSED" = "$reused" ] ||
        h_fail "$label: reused=$TLS_REUSED, expected $reused ($got)$(grep -a -m3 -E '^(Reused|New),|HTTP Error' "$T/tls.out" | sed 's/^/ | /')"
    [ "$TLS_STATUS" = "$st" ] || h_fail "$label: $got, expected $st${sub:+.$sub}"
    if [ -n "$sub" ]; then
        grep -aqF "HTTP Error $st.$sub" "$T/tls.out" || h_fail "$label: HTTP $st but not $st.$sub"
    fi
}
