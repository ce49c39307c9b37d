# Broken certificates at the configuration level.  `certmap add mapping`
# with a corrupted file (a length byte changed, truncated, trailing garbage,
# two certificates) fails with a clear message and leaves the file as it
# was; a certificate with one flipped signature byte is another certificate:
# mapped, it does not let alice in.  A certificate attribute holding the DER
# plus garbage (or two certificates) disables that mapping only, as IIS does:
# `certmap validate` fails naming file and line, certmapd starts and logs the
# line, the mapping does not authenticate, and a reload to such a file takes
# the rest of it (a new mapping in the same file authenticates).
. "$(dirname "$0")/adv_lib.sh"
h_init
h_std
cfg_write
cp "$CFG" "$T/std.config"
SITE="Default Web Site"

der() { openssl x509 -in "$PKI/$1.crt" -outform DER; }
der carol >"$T/carol.der"
size=$(stat -c %s "$T/carol.der")
# Byte 2 is the high byte of the outer SEQUENCE's two-byte length (30 82 hi lo).
[ "$(od -An -tx1 -N2 "$T/carol.der" | tr -d ' ')" = 3082 ] || h_fail "unexpected DER header"
python_free_patch() { # FILE OFFSET HEXBYTE: overwrite one byte
    printf "\\x$3" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}
cp "$T/carol.der" "$T/len.der"
python_free_patch "$T/len.der" 2 7f
head -c $((size - 1)) "$T/carol.der" >"$T/trunc.der"
{ cat "$T/carol.der"; printf '\x00\x01garbage'; } >"$T/trail.der"
{ cat "$T/carol.der"; der dave; } >"$T/two.der"
{ openssl x509 -in "$PKI/carol.crt"; echo "-----BEGIN CERTIFICATE-----"; echo "AAAA"; } >"$T/halfpem.pem"

cp "$CFG" "$T/before.config"
for f in len.der trunc.der trail.der two.der halfpem.pem; do
    printf 'carol-pw\n' | "$CERTMAP" -c "$CFG" add mapping --site "$SITE" --cert "$T/$f" --user carol \
        --password-stdin >"$T/cli.out" 2>"$T/cli.err"
    rc=$?
    [ $rc = 2 ] || h_fail "certmap add mapping --cert $f: exit $rc, expected 2: $(cat "$T/cli.err")"
    grep -q . "$T/cli.err" || h_fail "certmap add mapping --cert $f: no message"
    grep -qi "$f\|certificate\|DER" "$T/cli.err" || h_fail "certmap add mapping --cert $f: unclear message: $(cat "$T/cli.err")"
    cmp -s "$CFG" "$T/before.config" || h_fail "certmap add mapping --cert $f changed the file"
    h_log "$f: $(head -n 1 "$T/cli.err")"
done

# One flipped byte in alice's signature: still well-formed DER, another
# certificate.  Mapped to alice (and alice's own mapping removed), it does
# not admit the real alice.
der alice >"$T/sig.der"
asize=$(stat -c %s "$T/sig.der")
last=$(od -An -tx1 -j $((asize - 1)) -N1 "$T/sig.der" | tr -d ' ')
python_free_patch "$T/sig.der" $((asize - 1)) "$(printf '%02x' $((16#$last ^ 1)))"
"$CERTMAP" -c "$CFG" remove mapping --site "$SITE" --cert "$PKI/alice.crt" >"$T/cli.out" 2>&1 ||
    h_fail "remove mapping alice failed: $(cat "$T/cli.out")"
printf 'alice-pw\n' | "$CERTMAP" -c "$CFG" add mapping --site "$SITE" --cert "$T/sig.der" --user alice \
    --password-stdin >"$T/cli.out" 2>&1
sig_rc=$?
h_log "mapping a certificate with a flipped signature byte: exit $sig_rc"
h_start
req alice /
expect_status 401 2
expect_log 1 - 401 2 /
h_stop

# Garbage after the DER in the certificate attribute (written by hand).
b64_alice=$(cert_b64 alice)
b64_dave=$(cert_b64 dave)
b64_trail=$({ der alice; printf '\x00\x01\x02'; } | base64 -w0)
for variant in trail two pad; do
    case $variant in
    trail) value=$b64_trail ;;
    two) value=$({ der alice; der dave; } | base64 -w0) ;;
    pad) value="${b64_alice}AAAA" ;;
    esac
    cfg_reset
    cfg_site "$SITE" 1
    cfg_https "127.0.0.1:$PORT:"
    cfg_location "$SITE" ssl="Ssl, SslNegotiateCert, SslRequireCert" anon=false certmap=true
    H_MAPS_XML="              <add userName=\"alice\" password=\"alice-pw\" certificate=\"$value\" />
"
    cfg_write
    line=$(grep -n 'userName="alice"' "$CFG" | cut -d: -f1)
    "$CERTMAP" -c "$CFG" validate >"$T/val.out" 2>&1
    rc=$?
    [ $rc = 2 ] || h_fail "$variant: certmap validate exit $rc, expected 2: $(head -c 400 "$T/val.out")"
    grep -q ":$line:" "$T/val.out" || h_fail "$variant: certmap validate does not name line $line: $(head -c 400 "$T/val.out")"
    h_start
    grep -q "$(basename "$CFG"):$line" "$T/certmapd.out" ||
        h_fail "$variant: certmapd's error does not name $(basename "$CFG"):$line: $(head -c 400 "$T/certmapd.out")"
    [ "$(grep "\[error\]" "$T/certmapd.out" | grep -c "$(basename "$CFG"):$line")" = 1 ] ||
        h_fail "$variant: the broken mapping is logged more than once"
    req alice /
    expect_status 401 2
    h_log "$variant: $(grep "\[error\]" "$T/certmapd.out" | head -n 1)"
    h_stop
done

# Reload to such a file: the broken mapping is inactive, the rest is taken.
cp "$T/std.config" "$CFG"
: >"$LOGDIR/certmapd.log" # the variants above logged the same line numbers
h_start
req alice /
expect_status 200
req dave /
expect_status 401 2
cp "$CFG" "$T/good.config"
# Both edits go into a copy renamed over the file at once: edited in place,
# the file watch could load the half-edited file, whose complaint names the
# same line, and the checks below would run before the final reload.
mkdir -p "$T/edit"
cp "$CFG" "$T/edit/broken.config"
sed -i "s|certificate=\"$b64_alice\"|certificate=\"$b64_trail\"|" "$T/edit/broken.config"
grep -qF "$b64_trail" "$T/edit/broken.config" || h_fail "could not write the broken variant"
sed -i "s|</oneToOneMappings>|  <add userName=\"alice\" password=\"alice-pw\" certificate=\"$b64_dave\" />\n            </oneToOneMappings>|" "$T/edit/broken.config"
line=$(grep -n "$b64_trail" "$T/edit/broken.config" | cut -d: -f1)
mv "$T/edit/broken.config" "$CFG"
kill -HUP "$SERVER_PID"
# The complaint is logged while its reload is under way, before the new
# mappings are in place: wait until a reload finished after it.
settled() {
    local c r
    c=$(grep -an -F "$(basename "$CFG"):$line" "$T/certmapd.out" | tail -n 1 | cut -d: -f1)
    r=$(grep -an -e 'configuration reloaded' -e 'reload failed' "$T/certmapd.out" | tail -n 1 | cut -d: -f1)
    [ -n "$c" ] && [ -n "$r" ] && [ "$r" -gt "$c" ]
}
for i in $(seq 1 $((100 * H_SLOW))); do
    settled && break
    sleep 0.1
done
grep -qs "$(basename "$CFG"):$line" "$LOGDIR/certmapd.log" ||
    h_fail "the error log does not name $(basename "$CFG"):$line after the reload: $(tail -n 5 "$LOGDIR/certmapd.log" 2>/dev/null)"
req alice /
expect_status 401 2
req dave /
expect_status 200
adv_pass
