# A mapping whose password does not log the account on: 401.1, logged
# without a user (no one is authenticated).  The refusal is cached briefly,
# so a second request gives the same answer.
. "$(dirname "$0")/harness.sh"
h_init
h_std
cfg_map carol carol not-carols-password
h_start

req carol /
expect_status 401 1
expect_body_lacks "certmap e2e site A"
expect_log 1 - 401 1 /

req carol /
expect_status 401 1

# A mapping to an account that does not exist fails the same way.
h_stop
cfg_map dave nobody-here some-password
cfg_write
h_start
req dave /
expect_status 401 1
expect_log 1 - 401 1 /

h_stop
h_pass
