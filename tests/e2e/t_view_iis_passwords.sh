# An applicationHost.config as IIS writes it starts and serves: mapping
# passwords are [enc:AesProvider:...:enc] envelopes of the Windows machine's
# key (undecryptable here; there is no certmap.key at all yet) and one
# certificate string is damaged.  Each such mapping is inactive, as if it were
# not written: its certificate is unmapped, 401.2 (IIS fails only that
# mapping; with no mapping for the certificate it answers 401.2).  Every load
# logs exactly one error per inactive mapping with its file:line and the
# repair command; `certmap set mapping --password-stdin` repairs one (and
# creates the key file), the running server picks the change up (inotify)
# and that user gets in.
#   alice  plain-text password                  works (a warning)
#   bob    envelope of random bytes (IIS's)     inactive until repaired
#   carol  envelope made by certmap, other key  inactive (no key, then the wrong key)
#   dave   damaged certificate string           inactive
. "$(dirname "$0")/harness.sh"
h_init
printf 'certmap e2e site A\n' >"$WWW/index.html"
mkdir -p "$WWW/public"
printf 'certmap e2e public\n' >"$WWW/public/index.html"
for u in alice bob carol dave; do h_account "$u" "$u-pw"; done
SITE="Default Web Site"
cfg_site "$SITE" 1
cfg_https "127.0.0.1:$PORT:"
cfg_location "$SITE" ssl="Ssl, SslNegotiateCert, SslRequireCert" anon=false certmap=true
for u in alice bob carol dave; do cfg_map "$u" "$u" "$u-pw"; done
# A second scope inheriting the mappings: still one error per mapping.
cfg_location "$SITE/public" ssl="Ssl, SslNegotiateCert" anon=true
cfg_write

# carol's envelope: certmap encrypts a copy of the file with another key.
mkdir -p "$T/other"
cp "$CFG" "$T/other/applicationHost.config"
"$CERTMAP" -c "$T/other/applicationHost.config" encrypt-passwords >"$T/enc.out" 2>&1 ||
    h_fail "certmap encrypt-passwords (other key) failed: $(cat "$T/enc.out")"
[ -f "$T/other/certmap.key" ] || h_fail "test setup: no other key file"
carol_env=$(grep -o 'userName="carol" password="[^"]*"' "$T/other/applicationHost.config" | sed 's/.*password="//; s/"$//')
case $carol_env in "[enc:AesProvider:"*":enc]") ;; *) h_fail "test setup: carol's envelope: '$carol_env'" ;; esac
bob_env="[enc:AesProvider:$(head -c 96 /dev/urandom | base64 -w0):enc]"
dave_b64=$(cert_b64 dave)
sed -i -e "s|userName=\"bob\" password=\"bob-pw\"|userName=\"bob\" password=\"$bob_env\"|" \
    -e "s|userName=\"carol\" password=\"carol-pw\"|userName=\"carol\" password=\"$carol_env\"|" \
    -e "s|$dave_b64|MIIBdamaged${dave_b64:20}|" "$CFG"
grep -q 'carol-pw\|bob-pw' "$CFG" && h_fail "test setup: plain passwords left for bob or carol"
[ -e "$T/certmap.key" ] && h_fail "test setup: $T/certmap.key exists"
line_of() { grep -n "userName=\"$1\"" "$CFG" | cut -d: -f1; }

h_start
ERRLOG=$LOGDIR/certmapd.log

# expect_item_errors FROM USER...: the error log, from line FROM on, holds
# exactly one error per USER's mapping (its file:line) and none for the others.
expect_item_errors() {
    local from=$1 u n
    shift
    tail -n +"$from" "$ERRLOG" >"$T/errlog.part"
    for u in alice bob carol dave; do
        n=$(grep -a -c "\[error\] .*applicationHost.config:$(line_of $u):" "$T/errlog.part")
        case " $* " in
        *" $u "*) [ "$n" = 1 ] || h_fail "error log: $n errors for $u's mapping (line $(line_of $u)), expected 1: $(cat "$T/errlog.part")" ;;
        *) [ "$n" = 0 ] || h_fail "error log: $n errors for $u's mapping (line $(line_of $u)), expected none" ;;
        esac
    done
    for u in bob carol; do
        case " $* " in *" $u "*) ;; *) continue ;; esac
        grep -a "applicationHost.config:$(line_of $u):" "$T/errlog.part" |
            grep -qF "certmap set mapping --site \"$SITE\" --cert FILE --password-stdin" ||
            h_fail "error log: $u's error does not name the repair command"
    done
    grep -a "applicationHost.config:$(line_of dave):" "$T/errlog.part" | grep -q 'certificate' ||
        h_fail "error log: dave's error does not name the certificate"
}
[ -f "$ERRLOG" ] || h_fail "no error log $ERRLOG"
expect_item_errors 1 bob carol dave

# The rest serves: alice at the root and under /public.
req alice /
expect_status 200
expect_body_contains "certmap e2e site A"
expect_log 1 alice 200 0 /
req alice /public/
expect_status 200
expect_log 1 alice 200 0 /public/
# Inactive mappings: unmapped certificates.
for u in bob carol dave; do
    req "$u" /
    expect_status 401 2
    expect_body_lacks "certmap e2e site A"
    expect_log 1 - 401 2 /
    req "$u" /public/
    expect_status 200
    expect_log 1 - 200 0 /public/
done

# Repair bob's mapping; certmapd reloads by itself.
n=$(h_reloads)
from=$(($(wc -l <"$ERRLOG") + 1))
printf 'bob-pw' | "$CERTMAP" -c "$CFG" set mapping --site "$SITE" --cert "$PKI/bob.crt" --password-stdin \
    >"$T/set.out" 2>&1 || h_fail "certmap set mapping failed: $(cat "$T/set.out")"
grep -q "userName=\"bob\" password=\"\[enc:AesProvider:" "$CFG" || h_fail "bob's password is not encrypted"
grep -qF "$bob_env" "$CFG" && h_fail "bob's old envelope is still in the file"
grep -qF "$carol_env" "$CFG" || h_fail "carol's envelope was changed"
[ -f "$T/certmap.key" ] || h_fail "certmap set mapping created no key file"
h_reload_wait "$n"
grep -a 'configuration reloaded' "$T/certmapd.out" >/dev/null || h_fail "the reload failed: $(tail -n 5 "$T/certmapd.out")"
expect_item_errors "$from" carol dave
# Now that a key exists, carol's envelope fails as one of another key.
grep -a "applicationHost.config:$(line_of carol):" "$T/errlog.part" | grep -q 'wrong key' ||
    h_fail "error log: carol's error does not say wrong key: $(cat "$T/errlog.part")"

req bob /
expect_status 200
expect_body_contains "certmap e2e site A"
expect_log 1 bob 200 0 /
for u in carol dave; do
    req "$u" /
    expect_status 401 2
    expect_log 1 - 401 2 /
done
req alice /
expect_status 200
expect_log 1 alice 200 0 /

h_stop
h_pass
