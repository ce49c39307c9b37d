# tests/e2e/adv_lib.sh - helpers of the adversarial end-to-end tests
# (t_adv_*.sh), on top of the shared harness (harness.sh, sourced here).
#
# The adversarial tests talk to certmapd below curl: raw bytes over TLS
# (`openssl s_client -quiet`) or over plain TCP (bash's /dev/tcp on an http
# binding), connections held open and fed over time (slow clients, idle
# keep-alive, floods), hand-made TLS records, and the CLI under faults.
#
#   . "$(dirname "$0")/adv_lib.sh"
#   h_init
#   adv_site_anon                   # anonymous site on https $PORT and http $HPORT
#   h_start
#   adv_raw tls 'GET / HTTP/1.1\r\nHost: localhost\r\n\r\n'
#   adv_expect_reject "CL+TE" 400   # status, one response only, connection closed
#   adv_pass                        # no sanitizer report, clean SIGTERM exit
#
# Byte strings are printf %b strings: \r \n \0 \xHH are escapes.
# SIGPIPE is ignored in the test shell (and so in its children): writing to a
# connection the server closed must be an error to look at, not the death of
# the test.

# shellcheck source=harness.sh
. "$(dirname "${BASH_SOURCE[0]}")/harness.sh"

trap '' PIPE

HPORT=""        # plain http port of adv_site_anon
ADV_SENTINEL="SMUGGLED-SENTINEL-7c1f"
RAW_OUT=""      # output file of the last adv_raw
RAW_RC=""       # exit code of its client (124: timed out, the server kept the connection)
RAW_CLOSED=""   # 1 when the server closed the connection before the client's timeout
RAW_N=""        # number of HTTP responses (status lines) in the output
RAW_STATUS=""   # status of the first response, 000 when none
RAW_REQ=""      # the bytes sent (%b string), for messages
declare -A ADV_FD ADV_PID ADV_T0 ADV_KIND
ADV_ELAPSED_MS="" # set by adv_wait_closed

# Microseconds since the epoch as an integer.
adv_now_us() {
    local t=$EPOCHREALTIME
    echo "${t/./}"
}

# An anonymous site "Default Web Site" (id 1) on https://127.0.0.1:$PORT and
# http://127.0.0.1:$HPORT (claimed here), no sslFlags, anonymous
# authentication on.  $WWW has index.html, a.txt, and secret.txt holding the
# sentinel that a smuggled request would fetch.
adv_site_anon() {
    h_port HPORT
    H_WAIT_PORTS+=("$HPORT")
    printf 'certmap adv index\n' >"$WWW/index.html"
    printf 'hello static\n' >"$WWW/a.txt"
    printf '%s\n' "$ADV_SENTINEL" >"$WWW/secret.txt"
    cfg_site "Default Web Site" 1
    cfg_https "127.0.0.1:$PORT:"
    cfg_http "127.0.0.1:$HPORT:"
    cfg_location "Default Web Site" anon=true certmap=false
}

# Number of HTTP status lines in file $1.
adv_count_responses() {
    grep -a -c -E '^HTTP/[0-9]\.[0-9] [0-9]{3}' "$1"
}

# adv_raw tls|tcp BYTES [s_client options...]
# Opens one connection (tls: s_client -quiet to $PORT with SNI localhost;
# tcp: /dev/tcp to $HPORT), sends BYTES, keeps its side open and reads until
# the server closes or 5 s (x H_SLOW) pass.  Sets RAW_OUT, RAW_RC,
# RAW_CLOSED, RAW_N, RAW_STATUS, RAW_REQ.
adv_raw() {
    local kind=$1 bytes=$2 limit=$((5 * H_SLOW))
    shift 2
    RAW_REQ=$bytes
    RAW_OUT=$T/raw.out
    : >"$RAW_OUT"
    if [ "$kind" = tls ]; then
        # s_client -quiet implies -ign_eof: after our bytes it keeps reading
        # until the server closes.
        printf '%b' "$bytes" |
            timeout "$limit" openssl s_client -quiet -connect "127.0.0.1:$PORT" \
                -servername localhost "$@" >"$RAW_OUT" 2>"$T/raw.err"
        RAW_RC=${PIPESTATUS[1]}
    else
        local fd
        exec {fd}<>"/dev/tcp/127.0.0.1/$HPORT" || h_fail "cannot connect to 127.0.0.1:$HPORT"
        printf '%b' "$bytes" 1>&"$fd" 2>/dev/null
        timeout "$limit" cat <&"$fd" >"$RAW_OUT" 2>"$T/raw.err"
        RAW_RC=$?
        exec {fd}>&-
    fi
    if [ "$RAW_RC" = 124 ]; then RAW_CLOSED=0; else RAW_CLOSED=1; fi
    RAW_N=$(adv_count_responses "$RAW_OUT")
    RAW_STATUS=$(grep -a -m1 -o -E '^HTTP/[0-9]\.[0-9] [0-9]{3}' "$RAW_OUT" | awk '{print $2}')
    RAW_STATUS=${RAW_STATUS:-000}
}

# Prints the last raw exchange for a failure message.
adv_raw_show() {
    printf '\n  request : %q\n  response (first 400 bytes, cat -v):\n' "$(printf '%b' "$RAW_REQ" | tr '\0' '@')"
    head -c 400 "$RAW_OUT" | cat -v | sed 's/^/    /'
    printf '\n  client exit %s, closed by server: %s, responses: %s\n' "$RAW_RC" "$RAW_CLOSED" "$RAW_N"
}

# adv_expect_reject LABEL STATUS...
# The last adv_raw got exactly one response, with one of the STATUS codes,
# "Connection: close", the connection was closed, and the sentinel (the
# content a smuggled request would fetch) is absent.  With ADV_COLLECT=1 a
# failure is added to ADV_FAILS and the test goes on (adv_collected_fail
# reports them all at the end); otherwise it fails at once.
ADV_COLLECT=0
ADV_FAILS=()
adv_expect_reject() {
    local label=$1 s ok=0 why=""
    shift
    for s in "$@"; do [ "$RAW_STATUS" = "$s" ] && ok=1; done
    [ $ok = 1 ] || why+="expected HTTP $*, got $RAW_STATUS; "
    [ "$RAW_N" = 1 ] || why+="$RAW_N responses, expected exactly 1; "
    [ "$RAW_CLOSED" = 1 ] || why+="connection left open after HTTP $RAW_STATUS; "
    [ "$RAW_N" = 0 ] || grep -aqiE '^Connection:[[:space:]]*close' "$RAW_OUT" ||
        why+="HTTP $RAW_STATUS without 'Connection: close'; "
    ! grep -aqF "$ADV_SENTINEL" "$RAW_OUT" || why+="THE SMUGGLED REQUEST WAS SERVED; "
    h_alive "$SERVER_PID" || h_fail "$label: certmapd died$(adv_raw_show)"
    [ -n "$why" ] || return 0
    adv_problem "$label: ${why%; }$(adv_raw_show)"
}

# A failed check: with ADV_COLLECT=1 noted in ADV_FAILS (the test goes on and
# adv_collected_fail reports all at the end), else h_fail at once.
adv_problem() {
    if [ "$ADV_COLLECT" = 1 ]; then
        ADV_FAILS+=("$*")
        printf '[%s] not as expected: %s\n' "$H_TEST" "$*" >&2
    else
        h_fail "$*"
    fi
}

# Fails with every failure adv_expect_reject or adv_problem collected.
adv_collected_fail() {
    [ ${#ADV_FAILS[@]} = 0 ] && return 0
    local f all=""
    for f in "${ADV_FAILS[@]}"; do all+=$'\n'"- $f"; done
    h_fail "${#ADV_FAILS[@]} case(s) not as expected:$all"
}

# ---------------------------------------------------------------- held connections
#
# adv_open NAME tls|tcp [s_client options...]  connect and keep the connection
#   (tls: s_client -quiet fed from a FIFO; tcp: /dev/tcp to $HPORT, read by a
#   background cat); everything the server sends goes to $T/NAME.out.
# adv_send NAME BYTES        write BYTES (printf %b) on it (1 if the write failed)
# adv_wait_closed NAME SECS  wait up to SECS for the server to close it; 0 when
#                            it did (ADV_ELAPSED_MS: milliseconds since adv_open)
# adv_is_open NAME           true while the server has not closed it
# adv_close NAME             close our side and reap the reader

adv_open() {
    local name=$1 kind=$2 fd
    shift 2
    ADV_KIND[$name]=$kind
    : >"$T/$name.out"
    if [ "$kind" = tls ]; then
        rm -f "$T/$name.in"
        mkfifo "$T/$name.in" || h_fail "mkfifo failed"
        openssl s_client -quiet -connect "127.0.0.1:$PORT" -servername localhost "$@" \
            <"$T/$name.in" >"$T/$name.out" 2>"$T/$name.err" &
        ADV_PID[$name]=$!
        exec {fd}>"$T/$name.in"
    else
        exec {fd}<>"/dev/tcp/127.0.0.1/$HPORT" || h_fail "$name: cannot connect to 127.0.0.1:$HPORT"
        cat <&"$fd" >"$T/$name.out" 2>"$T/$name.err" &
        ADV_PID[$name]=$!
    fi
    ADV_FD[$name]=$fd
    H_BG_PIDS+=("${ADV_PID[$name]}")
    ADV_T0[$name]=$(adv_now_us)
}

adv_send() {
    printf '%b' "$2" 1>&"${ADV_FD[$1]}" 2>/dev/null
}

adv_is_open() {
    h_alive "${ADV_PID[$1]}"
}

adv_wait_closed() {
    local name=$1 limit_us=$(($2 * 1000000)) now
    while :; do
        now=$(adv_now_us)
        ADV_ELAPSED_MS=$(((now - ADV_T0[$name]) / 1000))
        adv_is_open "$name" || return 0
        [ $((now - ADV_T0[$name])) -lt "$limit_us" ] || return 1
        sleep 0.05
    done
}

adv_close() {
    local name=$1 fd=${ADV_FD[$1]:-}
    [ -n "$fd" ] && exec {fd}>&-
    ADV_FD[$name]=""
    kill "${ADV_PID[$name]}" 2>/dev/null
    wait "${ADV_PID[$name]}" 2>/dev/null
    return 0
}

# ---------------------------------------------------------------- TLS requests

# adv_tls_get SNI WHO HOST PATH [s_client options...]
#   One request "GET PATH" with Host HOST through s_client to 127.0.0.1:$PORT;
#   SNI "-" sends no server name; WHO is a client certificate of $PKI, a path
#   prefix (FILE.crt/FILE.key), or "-".  Sets REQ_UA, TLS_STATUS, TLS_REUSED,
#   TLS_PROTO; output in $T/tls.out.
adv_tls_get() {
    local sni=$1 who=$2 host=$3 path=$4
    shift 4
    local args=(s_client -connect "127.0.0.1:$PORT" -CAfile "$PKI/ca.crt" -ign_eof)
    if [ "$sni" = - ]; then args+=(-noservername); else args+=(-servername "$sni"); fi
    case $who in
    -) ;;
    /*) args+=(-cert "$who.crt" -key "$who.key") ;;
    *) args+=(-cert "$PKI/$who.crt" -key "$PKI/$who.key") ;;
    esac
    H_REQ_N=$((H_REQ_N + 1))
    REQ_UA="certmap-e2e/$$.$H_REQ_N"
    printf 'GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: %s\r\nConnection: close\r\n\r\n' \
        "$path" "$host" "$REQ_UA" |
        timeout $((10 * H_SLOW)) stdbuf -oL openssl "${args[@]}" "$@" >"$T/tls.out" 2>&1
    TLS_STATUS=$(grep -a -m1 -o -E '^HTTP/1\.[01] [0-9]{3}' "$T/tls.out" | awk '{print $2}')
    TLS_STATUS=${TLS_STATUS:-000}
    if grep -aq '^Reused,' "$T/tls.out"; then TLS_REUSED=1; else TLS_REUSED=0; fi
    TLS_PROTO=$(grep -a -m1 -o -E '^ *Protocol *: *[A-Za-z0-9.]+' "$T/tls.out" | awk '{print $NF}')
}

# Fails with the last s_client output when the HTTP error page of the last
# adv_tls_get is not STATUS.SUBSTATUS.
adv_expect_tls() {
    local label=$1 st=$2 sub=${3-}
    [ "$TLS_STATUS" = "$st" ] ||
        h_fail "$label: HTTP $TLS_STATUS, expected $st${sub:+.$sub} (reused=$TLS_REUSED)$(adv_tls_show)"
    if [ -n "$sub" ]; then
        grep -aqF "HTTP Error $st.$sub" "$T/tls.out" ||
            h_fail "$label: HTTP $st but not $st.$sub$(adv_tls_show)"
    fi
}

adv_tls_show() {
    printf '\n  ---- s_client output (response part):\n'
    sed -n '/^HTTP\/1/,$p' "$T/tls.out" | head -c 600 | sed 's/^/    /'
    grep -a -E '^(Verify return|Reused|New|    Protocol|error|[0-9]+:error)' "$T/tls.out" | head -n 8 | sed 's/^/    /'
}

# ---------------------------------------------------------------- PKI additions

# adv_issue NAME SUBJECT [x509 -req options...]
#   A client certificate $PKI/NAME.crt/.key (P-256, EKU clientAuth) signed by
#   the demo CA; extra options (e.g. -set_serial) go to `openssl x509 -req`.
adv_issue() {
    local name=$1 subj=$2
    shift 2
    printf '%s\n' "basicConstraints = critical, CA:FALSE" "keyUsage = critical, digitalSignature" \
        "extendedKeyUsage = clientAuth" >"$T/client_ext.cnf"
    [ -f "$PKI/$name.key" ] ||
        openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$PKI/$name.key" 2>/dev/null ||
        h_fail "genpkey $name failed"
    openssl req -new -key "$PKI/$name.key" -subj "$subj" -out "$T/$name.csr" 2>/dev/null ||
        h_fail "req $name failed"
    openssl x509 -req -in "$T/$name.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" -days 365 -sha256 \
        -extfile "$T/client_ext.cnf" "$@" -out "$PKI/$name.crt" 2>/dev/null || h_fail "x509 -req $name failed"
    rm -f "$T/$name.csr"
}

# ---------------------------------------------------------------- server state

# VmRSS of certmapd in KiB.
adv_rss() {
    awk '/^VmRSS:/ {print $2}' "/proc/$SERVER_PID/status"
}

# Sends SIGHUP and waits until "$@" succeeds (polling, up to 10 s x H_SLOW).
adv_reload_until() {
    kill -HUP "$SERVER_PID" || h_fail "SIGHUP: certmapd is gone"
    local deadline=$((SECONDS + 10 * H_SLOW))
    while ! "$@"; do
        [ $SECONDS -lt $deadline ] || return 1
        sleep 0.2
    done
    return 0
}

# Fails when certmapd died or a sanitizer reported something.
adv_check_clean() {
    if grep -aqE 'ERROR: (Address|Leak|Thread)Sanitizer|runtime error:' "$T/certmapd.out" 2>/dev/null; then
        h_fail "sanitizer report in certmapd's output"
    fi
    [ -z "$SERVER_PID" ] || h_alive "$SERVER_PID" || h_fail "certmapd died"
}

# End of a test: certmapd alive and clean, SIGTERM exit 0, still clean.
adv_pass() {
    adv_check_clean
    h_stop
    adv_check_clean
    h_pass
}

# ---------------------------------------------------------------- framing

# adv_framing_check LABEL STATUS... -- BYTES: BYTES on a new connection
# (transport ADV_FRAMING_KIND) are refused as adv_expect_reject says.
adv_framing_check() {
    local label=$1 st=()
    shift
    while [ "$1" != -- ]; do
        st+=("$1")
        shift
    done
    shift
    adv_raw "$ADV_FRAMING_KIND" "$1"
    adv_expect_reject "$label" "${st[@]}"
}

# adv_framing_suite tls|tcp: the request-smuggling and framing cases of
# t_adv_framing_tls.sh and t_adv_framing_plain.sh (adv_site_anon must run).
adv_framing_suite() {
    local kind=$1 H SMUG L LB LX body n
    ADV_FRAMING_KIND=$kind
    ADV_COLLECT=1
    # Shared by the payloads below.
    H='Host: localhost\r\n'
    SMUG='GET /secret.txt HTTP/1.1\r\nHost: localhost\r\n\r\n'
    L=$(printf '%b' "$SMUG" | wc -c) # 45
    LB=$((L + 5))                    # with "0\r\n\r\n" before it
    LX=$(printf '%x' "$L")

    # Control: two pipelined requests get two responses in order, and the
    # connection stays open until "Connection: close" (so the counting below
    # can see a second response).
    adv_raw "$kind" "GET /a.txt HTTP/1.1\r\n$H\r\nGET /index.html HTTP/1.1\r\n${H}Connection: close\r\n\r\n"
    [ "$RAW_N" = 2 ] || h_fail "control: $RAW_N responses to two pipelined requests$(adv_raw_show)"
    grep -aqF 'hello static' "$RAW_OUT" && grep -aqF 'certmap adv index' "$RAW_OUT" ||
        h_fail "control: pipelined bodies missing$(adv_raw_show)"
    # Control: a GET with a Content-Length body, then the next request.
    adv_raw "$kind" "GET /a.txt HTTP/1.1\r\n${H}Content-Length: 5\r\n\r\nhelloGET /index.html HTTP/1.1\r\n${H}Connection: close\r\n\r\n"
    [ "$RAW_N" = 2 ] || h_fail "control: $RAW_N responses to GET with body + GET$(adv_raw_show)"

    body="0\r\n\r\n$SMUG"
    adv_framing_check "CL+TE" 400 -- "POST / HTTP/1.1\r\n${H}Content-Length: $LB\r\nTransfer-Encoding: chunked\r\n\r\n$body"
    adv_framing_check "TE+CL" 400 -- "POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\nContent-Length: $LB\r\n\r\n$body"
    adv_framing_check "CL+TE: gzip, chunked" 400 501 -- "POST / HTTP/1.1\r\n${H}Content-Length: $LB\r\nTransfer-Encoding: gzip, chunked\r\n\r\n$body"
    adv_framing_check "duplicate CL, same value" 400 -- "POST / HTTP/1.1\r\n${H}Content-Length: $L\r\nContent-Length: $L\r\n\r\n$SMUG"
    adv_framing_check "duplicate CL, values 0 and L" 400 -- "POST / HTTP/1.1\r\n${H}Content-Length: 0\r\nContent-Length: $L\r\n\r\n$SMUG"
    adv_framing_check "CL list 0, L" 400 -- "POST / HTTP/1.1\r\n${H}Content-Length: 0, $L\r\n\r\n$SMUG"
    adv_framing_check "CL +L" 400 -- "POST / HTTP/1.1\r\n${H}Content-Length: +$L\r\n\r\n$SMUG"
    adv_framing_check "CL in hex" 400 -- "POST / HTTP/1.1\r\n${H}Content-Length: 0x$LX\r\n\r\n$SMUG"
    adv_framing_check "CL -1" 400 -- "POST / HTTP/1.1\r\n${H}Content-Length: -1\r\n\r\n$SMUG"
    adv_framing_check "CL empty" 400 -- "POST / HTTP/1.1\r\n${H}Content-Length:\r\n\r\n$SMUG"
    adv_framing_check "CL overflow" 400 413 -- "POST / HTTP/1.1\r\n${H}Content-Length: 18446744073709551657\r\n\r\n$SMUG"
    adv_framing_check "TE: chunked, identity" 400 501 -- "POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked, identity\r\n\r\n$body"
    adv_framing_check "TE: identity" 400 501 -- "POST / HTTP/1.1\r\n${H}Transfer-Encoding: identity\r\n\r\n$body"
    adv_framing_check "TE: chunked twice" 400 -- "POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n$body"
    adv_framing_check "TE: chunked, chunked" 400 -- "POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked, chunked\r\n\r\n$body"
    adv_framing_check "TE: xchunked" 501 400 -- "POST / HTTP/1.1\r\n${H}Transfer-Encoding: xchunked\r\n\r\n$body"
    adv_framing_check "TE: chunked;q=1" 400 501 -- "POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked;q=1\r\n\r\n$body"
    adv_framing_check "TE: gzip (not chunked last)" 501 400 -- "POST / HTTP/1.1\r\n${H}Transfer-Encoding: gzip\r\n\r\n$SMUG"
    adv_framing_check "TE in HTTP/1.0" 400 -- "POST / HTTP/1.0\r\n${H}Transfer-Encoding: chunked\r\n\r\n$body"
    adv_framing_check "TE name with space before colon" 400 -- "POST / HTTP/1.1\r\n${H}Transfer-Encoding : chunked\r\n\r\n$body"
    adv_framing_check "TE obs-folded" 400 -- "POST / HTTP/1.1\r\n${H}Transfer-Encoding:\r\n chunked\r\n\r\n$body"
    adv_framing_check "obs-fold" 400 -- "GET / HTTP/1.1\r\n${H}X-Folded: a\r\n b\r\n\r\n$SMUG"
    adv_framing_check "obs-fold with tab" 400 -- "GET / HTTP/1.1\r\n${H}X-Folded: a\r\n\tb\r\n\r\n$SMUG"
    adv_framing_check "whitespace before first header" 400 -- "GET / HTTP/1.1\r\n ${H}\r\n$SMUG"
    adv_framing_check "bare LF everywhere" 400 -- "GET / HTTP/1.1\nHost: localhost\n\nGET /secret.txt HTTP/1.1\nHost: localhost\n\n"
    adv_framing_check "bare LF in one header line" 400 -- "GET / HTTP/1.1\r\n${H}X-A: 1\nContent-Length: $L\r\n\r\n$SMUG"
    adv_framing_check "bare LF ends the head" 400 -- "GET / HTTP/1.1\r\n${H}\n$SMUG"
    adv_framing_check "bare CR in a header line" 400 -- "GET / HTTP/1.1\r\n${H}X-A: 1\rContent-Length: $L\r\n\r\n$SMUG"
    adv_framing_check "bare CR in the request line" 400 -- "GET /\r HTTP/1.1\r\n${H}\r\n$SMUG"
    adv_framing_check "NUL in a header value" 400 -- "GET / HTTP/1.1\r\n${H}X-A: a\0b\r\n\r\n$SMUG"
    adv_framing_check "NUL in a header name" 400 -- "GET / HTTP/1.1\r\n${H}X\0A: b\r\n\r\n$SMUG"
    adv_framing_check "NUL in the target" 400 -- "GET /a.txt\0 HTTP/1.1\r\n${H}\r\n$SMUG"
    adv_framing_check "DEL in a header value" 400 -- "GET / HTTP/1.1\r\n${H}X-A: a\x7fb\r\n\r\n$SMUG"
    adv_framing_check "chunk size 18 hex digits" 400 413 -- "POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\nabc\r\n0\r\n\r\n$SMUG"
    adv_framing_check "chunk size 2^64+1" 400 413 -- "POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n10000000000000001\r\nabc\r\n0\r\n\r\n$SMUG"
    adv_framing_check "chunk size with 0x" 400 -- "POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n0x3\r\nabc\r\n0\r\n\r\n$SMUG"
    adv_framing_check "negative chunk size" 400 -- "POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n-3\r\nabc\r\n0\r\n\r\n$SMUG"
    adv_framing_check "chunk size with space" 400 -- "POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n3 \r\nabc\r\n0\r\n\r\n$SMUG"
    adv_framing_check "chunk ext with space" 400 -- "POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n3;a b\r\nabc\r\n0\r\n\r\n$SMUG"
    adv_framing_check "chunk ext without name" 400 -- "POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n3;=x\r\nabc\r\n0\r\n\r\n$SMUG"
    adv_framing_check "chunk ext unterminated quote" 400 -- "POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n3;a=\"x\r\nabc\r\n0\r\n\r\n$SMUG"
    adv_framing_check "chunk ext with bare LF" 400 -- "POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n3;a\nx\r\nabc\r\n0\r\n\r\n$SMUG"
    adv_framing_check "chunk data longer than its size" 400 -- "POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n3\r\nabcdef\r\n0\r\n\r\n$SMUG"
    adv_framing_check "chunk data ends with bare LF" 400 -- "POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n3\r\nabc\n0\r\n\r\n$SMUG"
    adv_framing_check "two Host headers" 400 -- "GET / HTTP/1.1\r\n${H}Host: other\r\n\r\n$SMUG"
    adv_framing_check "no Host in HTTP/1.1" 400 -- "GET / HTTP/1.1\r\nX-A: 1\r\n\r\n$SMUG"
    adv_framing_check "two spaces in the request line" 400 -- "GET  / HTTP/1.1\r\n${H}\r\n$SMUG"
    adv_framing_check "HTTP/1.2" 505 400 -- "GET / HTTP/1.2\r\n${H}\r\n$SMUG"
    adv_framing_check "lower-case version" 400 -- "GET / http/1.1\r\n${H}\r\n$SMUG"

    # A request hidden in a Content-Length body is body, never a request: one
    # response (keep-alive: the connection may stay open, so read with a short
    # bound and count), and with "Connection: close" the server closes after it.
    adv_raw "$kind" "POST /a.txt HTTP/1.1\r\n${H}Connection: close\r\nContent-Length: $L\r\n\r\n$SMUG"
    [ "$RAW_N" = 1 ] || h_fail "hidden request in a CL body: $RAW_N responses$(adv_raw_show)"
    [ "$RAW_CLOSED" = 1 ] || h_fail "hidden request in a CL body: connection not closed after Connection: close$(adv_raw_show)"
    ! grep -aqF "$ADV_SENTINEL" "$RAW_OUT" || h_fail "hidden request in a CL body was served$(adv_raw_show)"
    adv_open hidden "$kind"
    adv_send hidden "GET /a.txt HTTP/1.1\r\n${H}Content-Length: $L\r\n\r\n$SMUG"
    sleep 1
    adv_send hidden "GET /index.html HTTP/1.1\r\n${H}Connection: close\r\n\r\n"
    adv_wait_closed hidden $((5 * H_SLOW)) || h_fail "keep-alive with a CL body: connection not closed after Connection: close"
    n=$(adv_count_responses "$T/hidden.out")
    [ "$n" = 2 ] || h_fail "keep-alive with a CL body hiding a request: $n responses, expected 2 (GET /a.txt, GET /index.html)"
    ! grep -aqF "$ADV_SENTINEL" "$T/hidden.out" || h_fail "request hidden in a GET's CL body was served"
    grep -aqF 'certmap adv index' "$T/hidden.out" || h_fail "the request after the body was not answered"
    adv_close hidden
    # Same in a chunked body.
    adv_raw "$kind" "POST /a.txt HTTP/1.1\r\n${H}Connection: close\r\nTransfer-Encoding: chunked\r\n\r\n$LX\r\n$SMUG\r\n0\r\n\r\n"
    [ "$RAW_N" = 1 ] || h_fail "hidden request in a chunked body: $RAW_N responses$(adv_raw_show)"
    ! grep -aqF "$ADV_SENTINEL" "$RAW_OUT" || h_fail "hidden request in a chunked body was served$(adv_raw_show)"

    # The hidden requests never reached the log either.
    sleep 1.2
    ! grep -aqs '/secret.txt' "$LOGDIR"/W3SVC1/u_ex*.log || h_fail "a smuggled /secret.txt request is in the W3C log"
    ADV_COLLECT=0
}
