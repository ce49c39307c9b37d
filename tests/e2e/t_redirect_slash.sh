# A directory requested without its trailing slash answers 301 to the
# normalised path plus "/", never to the raw target: "//public" must not
# become "Location: //public/", a protocol-relative URL naming host "public".
. "$(dirname "$0")/harness.sh"
h_init
h_std
mkdir -p "$WWW/public" "$WWW/my dir"
printf 'certmap e2e public\n' >"$WWW/public/index.html"
cfg_location "Default Web Site/public" ssl="Ssl, SslNegotiateCert" anon=true
cfg_location "Default Web Site/my dir" ssl="Ssl, SslNegotiateCert" anon=true
h_start

# expect_redirect TARGET LOCATION: GET TARGET (sent as is) answers 301 to LOCATION.
expect_redirect() {
    req - "$1"
    expect_status 301
    [ "$(resp_header Location)" = "$2" ] ||
        h_fail "GET $1: Location '$(resp_header Location)', expected '$2'"
}

expect_redirect /public /public/
expect_redirect //public /public/
expect_redirect ///public /public/
expect_redirect //public?a=1 /public/?a=1
expect_redirect /%70ublic /public/
expect_redirect '/public?x=1&y=%41' '/public/?x=1&y=%41'
expect_redirect '/my%20dir' '/my%20dir/'
expect_log 1 - 301 0 '/my%20dir'
expect_redirect '//my%20dir?q' '/my%20dir/?q'

# Dot segments are refused, not resolved: no redirect either.
req - /./public
expect_status 400
req - /x/../public
expect_status 400

# The redirect's target serves.
req - /public/
expect_status 200
expect_body_contains "certmap e2e public"

h_stop
h_pass
