# maxClientCertChainBytes (set to 4096 here): a client whose certificate
# comes with two intermediates (about 1.5 KB) is served, over TLS 1.3 and
# 1.2; the same client padded with copies of the root past 4096 bytes is
# refused in the handshake (no HTTP answer) and the error log says why.
# The chain certmapd keeps after the handshake (DER, tls_chain.c) still
# verifies the certificate after a reload on the same keep-alive connection.
. "$(dirname "$0")/adv_lib.sh"
h_init
printf 'certmap e2e site A\n' >"$WWW/index.html"
h_account alice alice-pw
h_account dave dave-pw

# $PKI/deep.crt/.key (clientAuth) under two intermediates of the demo CA; $PKI/deep-ints.pem
# holds them, the leaf's issuer first.
printf '%s\n' "basicConstraints = critical, CA:TRUE" "keyUsage = critical, keyCertSign, cRLSign" \
    "subjectKeyIdentifier = hash" "authorityKeyIdentifier = keyid" >"$T/int_ext.cnf"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/int.key" 2>/dev/null
issuer_crt=$PKI/ca.crt issuer_key=$PKI/ca.key
: >"$T/ints.tmp"
for i in 1 2; do
    openssl req -new -key "$T/int.key" -subj "/O=certmap adv/CN=deep int $i" -out "$T/int.csr" 2>/dev/null &&
        openssl x509 -req -in "$T/int.csr" -CA "$issuer_crt" -CAkey "$issuer_key" -days 30 -sha256 \
            -set_serial $((71000 + i)) -extfile "$T/int_ext.cnf" -out "$T/int$i.crt" 2>/dev/null ||
        h_fail "intermediate $i failed"
    cat "$T/int$i.crt" "$T/ints.tmp" >"$T/ints.new" && mv "$T/ints.new" "$T/ints.tmp"
    issuer_crt=$T/int$i.crt issuer_key=$T/int.key
done
mv "$T/ints.tmp" "$PKI/deep-ints.pem"
printf '%s\n' "basicConstraints = critical, CA:FALSE" "keyUsage = critical, digitalSignature" \
    "extendedKeyUsage = clientAuth" >"$T/leaf_ext.cnf"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$PKI/deep.key" 2>/dev/null
openssl req -new -key "$PKI/deep.key" -subj "/O=certmap adv/CN=deep leaf" -out "$T/leaf.csr" 2>/dev/null
openssl x509 -req -in "$T/leaf.csr" -CA "$T/int2.crt" -CAkey "$T/int.key" -days 30 -sha256 \
    -set_serial 71999 -extfile "$T/leaf_ext.cnf" -out "$PKI/deep.crt" 2>/dev/null || h_fail "leaf failed"
# Padding: the intermediates and as many copies of the root as make more than 6000 bytes of DER.
root_len=$(openssl x509 -in "$PKI/ca.crt" -outform der | wc -c)
cp "$PKI/deep-ints.pem" "$T/padded.pem"
for ((n = 0; n * root_len < 6000; n++)); do cat "$PKI/ca.crt" >>"$T/padded.pem"; done

cfg_site "Default Web Site" 1
cfg_https "127.0.0.1:$PORT:localhost" server "clientCaFile=\"$PKI/ca.crt\""
cfg_location "Default Web Site" ssl="Ssl, SslNegotiateCert, SslRequireCert" anon=false certmap=true
cfg_map alice alice alice-pw
cfg_map deep alice alice-pw
H_LIMITS='maxClientCertChainBytes="4096"'
h_start

refused_lines() { cat "$LOGDIR/certmapd.log" "$T/certmapd.out" 2>/dev/null | grep -ac "TLS handshake refused: client 127.0.0.1 port [0-9]* sent a certificate chain over maxClientCertChainBytes (4096 bytes)"; }

for proto in -tls1_3 -tls1_2; do
    adv_tls_get localhost "$PKI/deep" localhost / $proto -cert_chain "$PKI/deep-ints.pem"
    adv_expect_tls "$proto leaf with 2 intermediates" 200
    expect_log 1 alice 200 0 /

    before=$(refused_lines)
    adv_tls_get localhost "$PKI/deep" localhost / $proto -cert_chain "$T/padded.pem"
    [ "$TLS_STATUS" = 000 ] ||
        h_fail "$proto chain padded past 4096 bytes: HTTP $TLS_STATUS, expected a refused handshake$(adv_tls_show)"
    for i in $(seq 1 $((30 * H_SLOW))); do
        [ "$(refused_lines)" -gt "$before" ] && break
        sleep 0.1
    done
    [ "$(refused_lines)" -gt "$before" ] ||
        h_fail "$proto: no 'TLS handshake refused ... maxClientCertChainBytes (4096 bytes)' line in the error log"
    adv_check_clean
done

# One keep-alive connection across a reload: the second request verifies the certificate
# again with the new snapshot's store, which needs the intermediates sent in the handshake.
mkfifo "$T/ka.in"
timeout $((20 * H_SLOW)) stdbuf -oL openssl s_client -connect "127.0.0.1:$PORT" -servername localhost -CAfile "$PKI/ca.crt" \
    -cert "$PKI/deep.crt" -key "$PKI/deep.key" -cert_chain "$PKI/deep-ints.pem" -ign_eof \
    <"$T/ka.in" >"$T/ka.out" 2>&1 &
ka_pid=$!
exec {ka_fd}>"$T/ka.in"
answers() { grep -ac '^HTTP/1\.1 200' "$T/ka.out"; }
wait_answers() { # N: until N answers 200 came, bounded
    local i
    for i in $(seq 1 $((100 * H_SLOW))); do
        [ "$(answers)" -ge "$1" ] && return 0
        grep -aq '^HTTP/1\.1 [^2]' "$T/ka.out" && break
        sleep 0.1
    done
    h_fail "keep-alive request $1: no 200 ($(grep -a -m3 '^HTTP/1' "$T/ka.out" | tr -d '\r' | tr '\n' ' '))"
}
printf 'GET / HTTP/1.1\r\nHost: localhost\r\nUser-Agent: chain-ka-1\r\n\r\n' 1>&"$ka_fd"
wait_answers 1
n=$(h_reloads)
cfg_map dave dave dave-pw
cfg_write
kill -HUP "$SERVER_PID"
h_reload_wait "$n"
printf 'GET / HTTP/1.1\r\nHost: localhost\r\nUser-Agent: chain-ka-2\r\nConnection: close\r\n\r\n' 1>&"$ka_fd"
wait_answers 2
exec {ka_fd}>&-
wait "$ka_pid" 2>/dev/null

adv_tls_get localhost alice localhost /
adv_expect_tls "alice after the refused chains" 200
adv_pass
