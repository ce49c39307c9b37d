# tests/e2e/late_lib.sh - the scenario of the t_late_*.sh tests (client
# certificates asked for after the handshake), over adv_lib.sh/harness.sh.
#
# late_site [clientCertificate]: site "Default Web Site" on https $PORT with
# host localhost: "/" anonymous (no certificate used), "/secure" requires a
# mapped certificate, "/neg" negotiates one and admits anonymous requests;
# alice is mapped.  The binding's clientCertificate is $1 (default: unset,
# that is "auto").
#
# late_get WHO PATH [s_client options...]: one GET (server name and Host
# $LATE_SNI, default localhost) through s_client with
# -msg; sets TLS_STATUS, TLS_REUSED, REQ_UA like adv_tls_get, and CR_HS /
# CR_LATE: 1 when a CertificateRequest came before / after the request was
# sent (TLS 1.3 post-handshake, or inside a TLS 1.2 renegotiation).
# shellcheck source=adv_lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/adv_lib.sh"

late_site() {
    local cc=${1-}
    printf 'certmap late root\n' >"$WWW/index.html"
    mkdir -p "$WWW/secure" "$WWW/neg"
    printf 'certmap late secure\n' >"$WWW/secure/index.html"
    printf 'certmap late neg\n' >"$WWW/neg/index.html"
    grep -q '^alice:' "$T/accounts" 2>/dev/null || h_account alice alice-pw
    cfg_site "Default Web Site" 1
    cfg_https "127.0.0.1:$PORT:localhost" server \
        "clientCaFile=\"$PKI/ca.crt\" crlFile=\"$PKI/crl.pem\"${cc:+ clientCertificate=\"$cc\"}"
    cfg_location "Default Web Site" ssl="Ssl" anon=true certmap=true o2o=true
    cfg_map alice alice alice-pw
    cfg_location "Default Web Site/secure" ssl="Ssl, SslNegotiateCert, SslRequireCert" anon=false
    cfg_location "Default Web Site/neg" ssl="Ssl, SslNegotiateCert" anon=true
}

# Waits up to 5 s (x H_SLOW) for a line of FILE matching REGEX.
late_wait_for() {
    local i
    for i in $(seq 1 $((50 * H_SLOW))); do
        grep -aq -- "$2" "$1" && return 0
        sleep 0.1
    done
    return 1
}

late_get() {
    local who=$1 path=$2 fd pid out=$T/tls.out
    shift 2
    local sni=${LATE_SNI:-localhost}
    local args=(s_client -connect "127.0.0.1:$PORT" -servername "$sni" -CAfile "$PKI/ca.crt" -msg -ign_eof)
    case $who in
    -) ;;
    /*) args+=(-cert "$who.crt" -key "$who.key") ;;
    *) args+=(-cert "$PKI/$who.crt" -key "$PKI/$who.key") ;;
    esac
    H_REQ_N=$((H_REQ_N + 1))
    REQ_UA="certmap-e2e/$$.$H_REQ_N"
    rm -f "$T/late.in"
    mkfifo "$T/late.in"
    : >"$out"
    # appending: the marker written below must not be overwritten
    timeout $((10 * H_SLOW)) stdbuf -oL openssl "${args[@]}" "$@" <"$T/late.in" >>"$out" 2>&1 &
    pid=$!
    exec {fd}>"$T/late.in"
    late_wait_for "$out" 'Verify return code' || h_fail "no TLS handshake: $(tail -n 3 "$out")"
    # The first CertificateRequest before this marker belongs to the handshake.
    sleep 0.2
    echo "==== request sent" >>"$out"
    printf 'GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: %s\r\nConnection: close\r\n\r\n' \
        "$path" "$sni" "$REQ_UA" 1>&"$fd"
    late_wait_for "$out" '^HTTP/1\.1 ' || true
    sleep 0.2
    exec {fd}>&-
    wait "$pid" 2>/dev/null
    TLS_STATUS=$(grep -a -m1 -o -E '^HTTP/1\.[01] [0-9]{3}' "$out" | awk '{print $2}')
    TLS_STATUS=${TLS_STATUS:-000}
    if grep -aq '^Reused,' "$out"; then TLS_REUSED=1; else TLS_REUSED=0; fi
    CR_HS=$(sed -n '/^==== request sent/q;p' "$out" | grep -ac 'CertificateRequest')
    CR_LATE=$(sed -n '/^==== request sent/,$p' "$out" | grep -ac 'CertificateRequest')
}
