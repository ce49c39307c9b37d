# <server sessionTicketCount>: the TLS 1.3 session tickets a full handshake
# ends with.  The default sends one (OpenSSL's own default is two) and the
# session resumes; a resumed handshake ends with one fresh ticket (a TLS 1.3
# client uses a ticket once), which resumes again; 3 sends three; 0 sends
# none: nothing to resume.
. "$(dirname "$0")/harness.sh"
h_init
h_std

# TICKETS LABEL: the NewSessionTicket messages the last tls_req received
tickets() {
    local n
    n=$(grep -a -c 'NewSessionTicket' "$T/tls.out")
    [ "$n" = "$1" ] || h_fail "$2: $n NewSessionTicket message(s), expected $1"
}
run() { # COUNT (empty: the default) EXPECTED
    if [ -n "$1" ]; then
        H_SERVER="logDirectory=\"$LOGDIR\" $H_ALLOW_ROOT sessionTicketCount=\"$1\""
    fi
    cfg_write
    h_start
    tls_req localhost alice -tls1_3 -msg -sess_out "$T/s$1"
    [ "$TLS_STATUS" = 200 ] || h_fail "count '$1': full handshake: HTTP $TLS_STATUS"
    tickets "$2" "count '$1': full handshake"
    if [ "$2" = 0 ]; then
        # s_client writes a TLS 1.3 session only when a ticket comes
        [ ! -e "$T/s$1" ] || h_fail "count 0: the client got a session to resume"
    else
        tls_req localhost alice -tls1_3 -msg -sess_in "$T/s$1" -sess_out "$T/r$1"
        [ "$TLS_STATUS" = 200 ] || h_fail "count '$1': second connection: HTTP $TLS_STATUS"
        [ "$TLS_REUSED" = 1 ] || h_fail "count '$1': the ticket did not resume"
        tickets 1 "count '$1': resumed handshake"
        tls_req localhost alice -tls1_3 -msg -sess_in "$T/r$1"
        [ "$TLS_REUSED" = 1 ] || h_fail "count '$1': the ticket of the resumed handshake did not resume"
    fi
    expect_log 1 alice 200 0 /
    h_stop
}
run "" 1
run 3 3
run 0 0
h_pass
