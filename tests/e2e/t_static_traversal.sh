# No request path leaves the physical path: "..", percent-encoded dots and
# slashes, backslashes, NUL, and symlinks pointing outside are refused (a 4xx
# status and never the outside file's content).
. "$(dirname "$0")/harness.sh"
h_init
printf 'TOPSECRET\n' >"$T/secret.txt"
printf 'hello static\n' >"$WWW/a.txt"
mkdir -p "$WWW/sub"
printf 'sub\n' >"$WWW/sub/s.txt"
ln -s ../secret.txt "$WWW/out.txt"
ln -s "$T" "$WWW/outdir"
ln -s /etc/passwd "$WWW/passwd.txt"
cfg_site "Default Web Site" 1
cfg_https "127.0.0.1:$PORT:"
cfg_location "Default Web Site" ssl="Ssl" anon=true certmap=false
h_start

# Controls: percent-decoding works for ordinary characters.
req - /%61.txt
expect_status 200
expect_body_contains "hello static"
req - /sub/../a.txt
case $STATUS in
200) expect_body_contains "hello static" ;;
400 | 404) ;;
*) h_fail "/sub/../a.txt: HTTP $STATUS" ;;
esac

for path in \
    /../secret.txt \
    /../../secret.txt \
    /sub/../../secret.txt \
    /%2e%2e/secret.txt \
    /%2E%2E/secret.txt \
    /.%2e/secret.txt \
    /%2e%2e%2fsecret.txt \
    /..%2fsecret.txt \
    /sub%2f..%2f..%2fsecret.txt \
    /sub/..%2f..%2fsecret.txt \
    '/..%5csecret.txt' \
    '/sub\..\..\secret.txt' \
    /%252e%252e/secret.txt \
    /a.txt%00.html \
    /out.txt \
    /outdir/secret.txt \
    /passwd.txt; do
    req - "$path"
    case $STATUS in
    400 | 403 | 404) ;;
    *) h_fail "$path: HTTP $STATUS (expected 400, 403 or 404)" ;;
    esac
    expect_body_lacks TOPSECRET
    expect_body_lacks "root:"
done

# The server still works after all that.
req - /sub/s.txt
expect_status 200

h_stop
h_pass
