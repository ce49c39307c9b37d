# Static file handler: default documents, MIME types, 404.0, 404.3 (unknown
# extension), 403.14 (directory without default document), ETag and
# Last-Modified validators (304), single byte ranges (206/416), HEAD.
. "$(dirname "$0")/harness.sh"
h_init
printf '<html>certmap e2e index</html>\n' >"$WWW/index.html"
printf 'hello static\n' >"$WWW/a.txt"
printf '0123456789%.0s' $(seq 1 10) >"$WWW/range.txt" # 100 bytes
printf 'zzz\n' >"$WWW/file.unknownext"
mkdir -p "$WWW/noindex" "$WWW/sub"
printf 'x\n' >"$WWW/noindex/x.txt"
printf 'certmap e2e default.htm\n' >"$WWW/sub/default.htm"
cfg_site "Default Web Site" 1
cfg_https "127.0.0.1:$PORT:"
cfg_location "Default Web Site" ssl="Ssl" anon=true certmap=false
h_start

req - /
expect_status 200
expect_body_contains "certmap e2e index"
case $(resp_header Content-Type) in
text/html*) ;;
*) h_fail "index.html Content-Type: '$(resp_header Content-Type)'" ;;
esac
expect_log 1 - 200 0 /

req - /sub/
expect_status 200
expect_body_contains "certmap e2e default.htm"

req - /a.txt
expect_status 200
[ "$BODY" = "hello static" ] || h_fail "a.txt body: '$BODY'"
case $(resp_header Content-Type) in
text/plain*) ;;
*) h_fail "a.txt Content-Type: '$(resp_header Content-Type)'" ;;
esac
etag=$(resp_header ETag)
lastmod=$(resp_header Last-Modified)
[ -n "$etag" ] || h_fail "no ETag"
[ -n "$lastmod" ] || h_fail "no Last-Modified"
[ "$(resp_header Content-Length)" = 13 ] || h_fail "Content-Length: '$(resp_header Content-Length)'"

req - /a.txt -H "If-None-Match: $etag"
expect_status 304
[ ! -s "$T/body" ] || h_fail "304 with a body"
req - /a.txt -H 'If-None-Match: "not-the-etag"'
expect_status 200
req - /a.txt -H "If-Modified-Since: $lastmod"
expect_status 304
req - /a.txt -H "If-Modified-Since: Mon, 01 Jan 1990 00:00:00 GMT"
expect_status 200

req - /range.txt -H "Range: bytes=10-19"
expect_status 206
[ "$BODY" = 0123456789 ] || h_fail "range body: '$BODY'"
[ "$(resp_header Content-Range)" = "bytes 10-19/100" ] || h_fail "Content-Range: '$(resp_header Content-Range)'"
req - /range.txt -H "Range: bytes=-5"
expect_status 206
[ "$BODY" = 56789 ] || h_fail "suffix range body: '$BODY'"
req - /range.txt -H "Range: bytes=200-300"
expect_status 416
[ "$(resp_header Content-Range)" = "bytes */100" ] || h_fail "416 Content-Range: '$(resp_header Content-Range)'"

req - /nothing-here.txt
expect_status 404 0
expect_log 1 - 404 0 /nothing-here.txt

req - /file.unknownext
expect_status 404 3
expect_body_lacks "zzz"
expect_log 1 - 404 3 /file.unknownext

req - /noindex/
expect_status 403 14
expect_body_lacks "x.txt"
expect_log 1 - 403 14 /noindex/

req - /a.txt -I
expect_status 200
# curl -I writes the headers as the output: anything more is a body.
cmp -s "$T/body" "$T/headers" || h_fail "HEAD with a body"
[ "$(resp_header Content-Length)" = 13 ] || h_fail "HEAD Content-Length: '$(resp_header Content-Length)'"

h_stop
h_pass
