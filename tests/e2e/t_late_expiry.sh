# A client certificate stays true only while it is valid: a certificate
# that expires while a keep-alive connection is open gets 403.17 on the
# next request of that connection, and the session it made does not
# outlive it (the ticket's lifetime ends at the certificate's notAfter;
# resuming after it is refused, the full handshake then answers 403.17).
# TLS 1.3 and TLS 1.2.  The certificate is valid for a few seconds
# (`openssl ca -enddate`), so the test waits that long once.
. "$(dirname "$0")/late_lib.sh"
h_init

# $PKI/short.crt/.key: alice's kind of certificate, valid until epoch $1.
issue_short() {
    local d=$T/shortca
    mkdir -p "$d"
    : >"$d/index.txt"
    echo 2000 >"$d/serial"
    cat >"$d/ca.cnf" <<CNF
[ ca ]
default_ca = short_ca
[ short_ca ]
certificate = $PKI/ca.crt
private_key = $PKI/ca.key
database = $d/index.txt
new_certs_dir = $d
serial = $d/serial
default_md = sha256
policy = policy_any
unique_subject = no
copy_extensions = none
[ policy_any ]
commonName = supplied
organizationName = optional
[ client_ext ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
CNF
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$PKI/short.key" 2>/dev/null &&
        openssl req -new -key "$PKI/short.key" -subj "/O=certmap demo/CN=short" -out "$d/short.csr" 2>/dev/null &&
        openssl ca -batch -notext -config "$d/ca.cnf" -extensions client_ext \
            -startdate "$(date -u -d '-1 hour' +%Y%m%d%H%M%SZ)" \
            -enddate "$(date -u -d "@$1" +%Y%m%d%H%M%SZ)" \
            -in "$d/short.csr" -out "$PKI/short.crt" >"$d/ca.out" 2>&1 ||
        h_fail "cannot issue the short-lived certificate: $(tail -n 3 "$d/ca.out")"
}

h_std
# The validity must outlast the setup up to the two first requests: starting
# certmapd and two handshakes, which a loaded machine stretches (ASan: 18 s).
END=$(($(date +%s) + 6 + 4 * H_SLOW))
issue_short "$END"
cfg_map short alice alice-pw
h_start

# ka_open PROTO: a connection with the short certificate, "/" answered 200.
declare -A KA_FD KA_PID KA_T0
ka_open() {
    local out=$T/ka$1.out fd
    rm -f "$T/ka$1.in" "$T/sess$1"
    mkfifo "$T/ka$1.in"
    timeout $((30 * H_SLOW)) stdbuf -oL openssl s_client -connect "127.0.0.1:$PORT" -servername localhost \
        -CAfile "$PKI/ca.crt" -cert "$PKI/short.crt" -key "$PKI/short.key" "$1" -ign_eof \
        -sess_out "$T/sess$1" <"$T/ka$1.in" >"$out" 2>&1 &
    KA_PID[$1]=$!
    exec {fd}>"$T/ka$1.in"
    KA_FD[$1]=$fd
    late_wait_for "$out" 'Verify return code' || h_fail "$1: no TLS handshake: $(tail -n 3 "$out")"
    printf 'GET / HTTP/1.1\r\nHost: localhost\r\nUser-Agent: ka-1\r\n\r\n' 1>&"$fd"
    late_wait_for "$out" '^HTTP/1\.1 ' || h_fail "$1: no first response"
    if ! grep -aq '^HTTP/1\.1 200' "$out"; then
        [ "$(date +%s)" -lt "$END" ] ||
            h_fail "$1: the setup outlasted the certificate's validity (notAfter passed before the first request was answered): this machine is too slow for the test"
        h_fail "$1: first request refused: $(grep -a -m1 '^HTTP' "$out")"
    fi
    KA_T0[$1]=$(date +%s)
}

# ka_finish PROTO: the second request of the connection, after END: 403.17.
ka_finish() {
    local out=$T/ka$1.out fd=${KA_FD[$1]} i
    printf 'GET / HTTP/1.1\r\nHost: localhost\r\nUser-Agent: ka-2\r\nConnection: close\r\n\r\n' 1>&"$fd"
    for i in $(seq 1 $((50 * H_SLOW))); do
        [ "$(grep -a -c '^HTTP/1\.1 ' "$out")" -ge 2 ] && break
        sleep 0.1
    done
    exec {fd}>&-
    wait "${KA_PID[$1]}" 2>/dev/null
    # The ticket's lifetime ended with the certificate (seconds after the handshake), not 7200 s.
    hint=$(grep -a -m1 -o 'lifetime hint: [0-9]*' "$out" | awk '{print $3}')
    [ -n "$hint" ] && [ "$hint" -le $((END - KA_T0[$1] + 2)) ] ||
        h_fail "$1: ticket lifetime hint '$hint' outlives the certificate (notAfter $((END - KA_T0[$1])) s after)"
    got=$(grep -a -o -E '^HTTP/1\.1 [0-9]{3}' "$out" | tr '\n' '|')
    [ "$got" = "HTTP/1.1 200|HTTP/1.1 403|" ] && grep -aqF 'HTTP Error 403.17' "$out" ||
        h_fail "$1: keep-alive across the certificate's notAfter: $got $(grep -a -m1 -o 'HTTP Error [0-9.]*' "$out")"
}

ka_open -tls1_3
ka_open -tls1_2
while [ "$(date +%s)" -le "$END" ]; do sleep 0.5; done
ka_finish -tls1_3
ka_finish -tls1_2

# Resuming those sessions after notAfter: refused (full handshake), and the
# expired certificate offered again gets 403.17; without a certificate, 403.7.
for p in -tls1_3 -tls1_2; do
    adv_tls_get localhost short localhost / $p -sess_in "$T/sess$p"
    [ "$TLS_REUSED" = 0 ] || h_fail "$p: a session resumed after its certificate expired"
    adv_expect_tls "$p resumption after notAfter" 403 17
    expect_log 1 - 403 17 /
    adv_tls_get localhost - localhost / $p -sess_in "$T/sess$p"
    [ "$TLS_REUSED" = 0 ] || h_fail "$p: a session resumed after its certificate expired (no certificate)"
    adv_expect_tls "$p resumption after notAfter, no certificate" 403 7
done

adv_pass
