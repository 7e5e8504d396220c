# Sign-in helpers shared by the benchmark scripts; source it, do not run it.
#
# The login answer carries both the session cookie (Set-Cookie) and the session's CSRF token
# (JSON body), which is all a script needs to create an API token the way a browser would.

# Signs in to the server at base URL $1 as $2 with password $3; prints "COOKIE CSRF_TOKEN".
bench_sign_in() {
    local base=$1 username=$2 password=$3 headers
    headers=$(mktemp)
    local body
    body=$(curl -sf -D "$headers" -H 'content-type: application/json' \
        -d "{\"username\": \"$username\", \"password\": \"$password\"}" \
        "$base/api/v1/auth/login")
    local cookie
    cookie=$(awk -F'[ ;]' 'tolower($1) == "set-cookie:" { print $2 }' "$headers")
    rm -f "$headers"
    local csrf
    csrf=$(printf '%s' "$body" \
        | python3 -c 'import json, sys; print(json.load(sys.stdin)["csrf_token"])')
    echo "$cookie $csrf"
}

# Creates an API token named "bench" with the scopes of JSON array $4, as the session with
# cookie $2 and CSRF token $3 on the server at $1; prints its secret.
bench_token() {
    local base=$1 cookie=$2 csrf=$3 scopes=$4
    curl -sf -H "cookie: $cookie" -H "x-csrf-token: $csrf" -H 'content-type: application/json' \
        -d "{\"name\": \"bench\", \"scopes\": $scopes}" "$base/api/v1/tokens" \
        | python3 -c 'import json, sys; print(json.load(sys.stdin)["secret"])'
}
