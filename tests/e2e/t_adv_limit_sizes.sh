# Size limits (docs/configuration.md, certmap/limits): a request line beyond
# maxRequestLineBytes (8192) -> 414, header lines beyond maxHeaderBytes
# (16384) -> 431, more than maxHeaderCount (100) header lines -> 431, a body
# beyond maxBodyBytes (set to 1000 here) -> 413; each answered once and the
# connection closed.  Exactly at each limit the request is served.
. "$(dirname "$0")/adv_lib.sh"
h_init
adv_site_anon
H_LIMITS='maxBodyBytes="1000"'
h_start

rep() { # CHAR COUNT: prints CHAR COUNT times
    local s
    printf -v s '%*s' "$2" ''
    printf '%s' "${s// /$1}"
}
H='Host: localhost\r\n'
NEXT="GET /index.html HTTP/1.1\r\n${H}Connection: close\r\n\r\n"

for kind in tls tcp; do
    # Request line: "GET /a.txt?q=xxx HTTP/1.1" of exactly 8192 bytes, then 8193.
    line="GET /a.txt?q= HTTP/1.1"
    fixed=${#line}
    adv_raw $kind "GET /a.txt?q=$(rep x $((8192 - fixed))) HTTP/1.1\r\n${H}Connection: close\r\n\r\n"
    [ "$RAW_STATUS" = 200 ] || h_fail "$kind: request line of 8192 bytes: HTTP $RAW_STATUS, expected 200$(adv_raw_show)"
    adv_raw $kind "GET /a.txt?q=$(rep x $((8193 - fixed))) HTTP/1.1\r\n${H}\r\n$NEXT"
    adv_expect_reject "$kind: request line of 8193 bytes" 414
    # Without the CRLF ever coming: 414 as soon as the limit is passed.
    adv_raw $kind "GET /a.txt?q=$(rep x 9000)"
    adv_expect_reject "$kind: 9000-byte request line without end" 414

    # Header bytes: field lines with their CRLFs, 16384 exactly, then 16385.
    pad=$((16384 - 17 - 7 - 2)) # Host line, "X-Pad: ", CRLF
    adv_raw $kind "GET /a.txt HTTP/1.1\r\n${H}X-Pad: $(rep p $pad)\r\n\r\n$NEXT"
    [ "$RAW_STATUS" = 200 ] && [ "$RAW_N" = 2 ] ||
        h_fail "$kind: 16384 header bytes: HTTP $RAW_STATUS ($RAW_N responses), expected 200 then 200$(adv_raw_show)"
    adv_raw $kind "GET /a.txt HTTP/1.1\r\n${H}X-Pad: $(rep p $((pad + 1)))\r\n\r\n$NEXT"
    adv_expect_reject "$kind: 16385 header bytes" 431
    # Many header lines, none of them long, adding up beyond the limit.
    many=""
    for i in $(seq 1 90); do many+="X-H$i: $(rep v 200)\r\n"; done
    adv_raw $kind "GET /a.txt HTTP/1.1\r\n${H}$many\r\n$NEXT"
    adv_expect_reject "$kind: 90 headers of 200 bytes" 431

    # Header count: 100 lines (Host + 99) served, 101 refused.
    many=""
    for i in $(seq 1 99); do many+="X-H$i: v\r\n"; done
    adv_raw $kind "GET /a.txt HTTP/1.1\r\n${H}$many\r\n$NEXT"
    [ "$RAW_STATUS" = 200 ] || h_fail "$kind: 100 header lines: HTTP $RAW_STATUS, expected 200$(adv_raw_show)"
    adv_raw $kind "GET /a.txt HTTP/1.1\r\n${H}${many}X-H100: v\r\n\r\n$NEXT"
    adv_expect_reject "$kind: 101 header lines" 431
    many=""
    for i in $(seq 1 1000); do many+="X: v\r\n"; done
    adv_raw $kind "GET /a.txt HTTP/1.1\r\n${H}$many\r\n$NEXT"
    adv_expect_reject "$kind: 1001 header lines" 431

    # Body: Content-Length 1000 served (and the next request too), 1001 -> 413
    # from the head alone, before any body byte.
    adv_raw $kind "GET /a.txt HTTP/1.1\r\n${H}Content-Length: 1000\r\n\r\n$(rep b 1000)$NEXT"
    [ "$RAW_STATUS" = 200 ] && [ "$RAW_N" = 2 ] ||
        h_fail "$kind: body of 1000 bytes: HTTP $RAW_STATUS ($RAW_N responses), expected 200 then 200$(adv_raw_show)"
    adv_raw $kind "GET /a.txt HTTP/1.1\r\n${H}Content-Length: 1001\r\n\r\n"
    adv_expect_reject "$kind: Content-Length 1001" 413
    adv_raw $kind "POST /a.txt HTTP/1.1\r\n${H}Content-Length: 99999999999\r\n\r\n$(rep b 2000)$NEXT"
    adv_expect_reject "$kind: Content-Length 99999999999" 413

    # Chunked: the size is known only from the chunks.  A chunk of 1001 bytes
    # (or 1001 chunks of one byte) passes the limit: 413, or, if the response
    # was already sent, the connection closed without reading further -- the
    # request after the body must never be answered.
    adv_raw $kind "GET /a.txt HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n3e9\r\n$(rep c 1001)\r\n0\r\n\r\n$NEXT"
    case $RAW_STATUS:$RAW_N:$RAW_CLOSED in
    413:1:1 | 200:1:1) ;;
    *) h_fail "$kind: chunked body of 1001 bytes: expected 413 (or one response and close)$(adv_raw_show)" ;;
    esac
    chunks=""
    for i in $(seq 1 1001); do chunks+="1\r\nc\r\n"; done
    adv_raw $kind "GET /a.txt HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n${chunks}0\r\n\r\n$NEXT"
    case $RAW_STATUS:$RAW_N:$RAW_CLOSED in
    413:1:1 | 200:1:1) ;;
    *) h_fail "$kind: 1001 one-byte chunks: expected 413 (or one response and close)$(adv_raw_show)" ;;
    esac
    # Chunked exactly at the limit: served, and the next request too.
    adv_raw $kind "GET /a.txt HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n3e8\r\n$(rep c 1000)\r\n0\r\n\r\n$NEXT"
    [ "$RAW_STATUS" = 200 ] && [ "$RAW_N" = 2 ] ||
        h_fail "$kind: chunked body of 1000 bytes: HTTP $RAW_STATUS ($RAW_N responses), expected 200 then 200$(adv_raw_show)"
    # Trailers beyond 8192 bytes (HTTP_MAX_TRAILER_BYTES).
    adv_raw $kind "GET /a.txt HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n0\r\nX-T: $(rep t 9000)\r\n\r\n$NEXT"
    case $RAW_STATUS:$RAW_N:$RAW_CLOSED in
    431:1:1 | 400:1:1 | 200:1:1) ;;
    *) h_fail "$kind: 9000-byte trailer: expected 431 (or one response and close)$(adv_raw_show)" ;;
    esac
done

# The server still answers normally.
req - https://localhost:$PORT/a.txt
expect_status 200
adv_pass
