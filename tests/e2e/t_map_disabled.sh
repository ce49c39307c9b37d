# A mapping with enabled="false" never matches: 401.2, logged without a user.
. "$(dirname "$0")/harness.sh"
h_init
h_std
h_start

req bob /
expect_status 401 2
expect_body_lacks "certmap e2e site A"
expect_log 1 - 401 2 /

h_stop
h_pass
