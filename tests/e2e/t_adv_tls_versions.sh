# Protocol versions and suites: TLS 1.2 and 1.3 are served; TLS 1.0 and 1.1
# are refused (s_client -tls1 / -tls1_1, with a control s_server proving that
# this client does speak them) and so are hand-made SSLv3, TLS 1.0 and TLS 1.1
# ClientHellos (answered by an alert or a close, never a ServerHello);
# non-AEAD, anonymous and NULL suites are refused in TLS 1.2.  SSLv3 cannot
# be tried with s_client: Debian's OpenSSL 3 has no SSLv3 code at all.
. "$(dirname "$0")/adv_lib.sh"
h_init
h_std
h_start

# Controls: TLS 1.2 and 1.3 work, with a mapped certificate.
for v in tls1_2 tls1_3; do
    adv_tls_get localhost alice localhost / -$v
    adv_expect_tls "-$v" 200
    case $v:$TLS_PROTO in
    tls1_2:TLSv1.2 | tls1_3:TLSv1.3) ;;
    *) h_fail "-$v: negotiated '$TLS_PROTO'" ;;
    esac
done

# The client side of the refusals is able to speak TLS 1.0 and 1.1: a control
# server accepts them.
h_port CTRL
LEGACY=(-cipher 'DEFAULT:@SECLEVEL=0')

# Hand-made ClientHellos with the highest version SSLv3, TLS 1.0, TLS 1.1.
# hello VERSION_BYTE: record and hello version 3.VERSION, 32-byte random, no
# session ID, six classic suites, no compression, supported_groups P-256 and
# ec_point_formats uncompressed (so that an ECDSA server could answer).
hello() {
    local v=$1 rnd
    rnd=$(printf '\\x%02x' $(seq 1 32))
    printf '%b' "\x16\x03\x$v\x00\x47\x01\x00\x00\x43\x03\x$v$rnd\x00\x00\x0c\x00\x2f\x00\x35\xc0\x13\xc0\x14\xc0\x09\xc0\x0a\x01\x00\x00\x0e\x00\x0a\x00\x04\x00\x02\x00\x17\x00\x0b\x00\x02\x01\x00"
}
# The first 7 bytes the server at port $1 answers to hello $2, as hex.
hello_reply() {
    local fd reply
    exec {fd}<>"/dev/tcp/127.0.0.1/$1" || h_fail "connect to $1 failed"
    hello "$2" >&"$fd"
    # no reply in time reads as a close: the bound follows H_SLOW so that a
    # slow server's ServerHello is not taken for a refusal
    reply=$(timeout $((5 * H_SLOW)) head -c 7 <&"$fd" | od -An -tx1 | tr -d ' \n')
    exec {fd}>&-
    echo "$reply"
}

# s_server's standard input stays open (a FIFO we hold) and empty.
mkfifo "$T/ctrl.in"
openssl s_server -accept "127.0.0.1:$CTRL" -cert "$PKI/server.crt" -key "$PKI/server.key" \
    "${LEGACY[@]}" -min_protocol TLSv1 -quiet <"$T/ctrl.in" >"$T/ctrl.out" 2>&1 &
ctrl_pid=$!
H_BG_PIDS+=("$ctrl_pid")
exec {ctrl_in}>"$T/ctrl.in"
for i in $(seq 1 50); do h_listening "$CTRL" && break; sleep 0.1; done
for v in tls1 tls1_1; do
    timeout 10 stdbuf -oL openssl s_client -connect "127.0.0.1:$CTRL" -$v "${LEGACY[@]}" </dev/null >"$T/c.out" 2>&1
    grep -aqE "^New, TLSv1(\.[01])?, Cipher is [A-Z]" "$T/c.out" ||
        h_fail "control: s_client -$v cannot talk to an s_server that allows it: $(grep -a -m3 -i 'error\|protocol' "$T/c.out")"
done
for v in 01 02; do
    reply=$(hello_reply "$CTRL" $v)
    case $reply in
    16*) ;;
    *) h_fail "control: s_server allowing TLS 1.0 does not accept the hand-made ClientHello 3.$v ($reply)" ;;
    esac
done
kill "$ctrl_pid" 2>/dev/null
exec {ctrl_in}>&-

# certmapd refuses them.
for v in tls1 tls1_1; do
    timeout $((10 * H_SLOW)) stdbuf -oL openssl s_client -connect "127.0.0.1:$PORT" -servername localhost -$v "${LEGACY[@]}" \
        -cert "$PKI/alice.crt" -key "$PKI/alice.key" </dev/null >"$T/v.out" 2>&1
    rc=$?
    [ $rc != 0 ] && [ $rc != 124 ] || h_fail "-$v: s_client exit $rc (expected a failed handshake)"
    grep -aqE 'Cipher is \(NONE\)|Cipher *: *0000' "$T/v.out" ||
        h_fail "-$v: a cipher was negotiated: $(grep -a -m2 'Cipher' "$T/v.out")"
    grep -aq 'alert protocol version' "$T/v.out" || h_log "-$v refused without a protocol_version alert: $(grep -a -m1 error "$T/v.out")"
done
for v in 00 01 02; do
    reply=$(hello_reply "$PORT" $v)
    case $reply in
    "" | 15*) ;; # closed, or an alert record
    16*) h_fail "ClientHello 3.$v: the server answered with a handshake record ($reply): version accepted" ;;
    *) h_fail "ClientHello 3.$v: unexpected reply $reply" ;;
    esac
    [ -z "$reply" ] || [ "${reply:12:2}" = 46 ] || h_log "ClientHello 3.$v: alert ${reply:12:2} (protocol_version is 46)"
done

# Suites without forward secrecy or AEAD, anonymous and NULL ones: refused.
for c in ECDHE-ECDSA-AES128-SHA ECDHE-ECDSA-AES256-SHA ECDHE-ECDSA-AES128-SHA256 \
    ECDHE-ECDSA-AES256-SHA384 AECDH-AES128-SHA ADH-AES128-GCM-SHA256 ECDHE-ECDSA-NULL-SHA \
    AES128-GCM-SHA256 AES256-SHA; do
    timeout $((10 * H_SLOW)) stdbuf -oL openssl s_client -connect "127.0.0.1:$PORT" -servername localhost -tls1_2 \
        -cipher "$c:@SECLEVEL=0" </dev/null >"$T/c.out" 2>&1
    if grep -aq 'no cipher match' "$T/c.out"; then
        h_log "suite $c: this OpenSSL client does not have it, skipped"
        continue
    fi
    grep -aqE 'Cipher is \(NONE\)|no ciphers available' "$T/c.out" ||
        h_fail "TLS 1.2 suite $c accepted: $(grep -a -m1 'Cipher is' "$T/c.out")"
done

req alice /
expect_status 200
adv_pass
