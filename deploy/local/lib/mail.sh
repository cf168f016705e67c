# Mailpit: the local mail server the portal sends sign-in codes and notices through, with an API
# the tests read mail from. Built from the Go module proxy. SMTP requires STARTTLS and a login
# (the `portal` principal sends); the web UI and API are HTTPS with a login (`admin` reads).
# Both under the local CA; nothing anonymous.

MAIL_VERSION=v1.33.1
MAIL_DATA=$DATA_DIR/mail

mail_binary() {
  echo "$OPT_DIR/mailpit-$MAIL_VERSION"
}

install_mail() {
  local binary build
  binary=$(mail_binary)
  [ -x "$binary" ] && return 0
  require_command go "install Go 1.24 or newer; it builds Mailpit from the Go module proxy."
  say "building Mailpit $MAIL_VERSION (a minute or two the first time)"
  mkdir -p "$OPT_DIR"
  build=$(mktemp -d "$OPT_DIR/mailpit-build.XXXXXX")
  GOBIN=$build CGO_ENABLED=0 go install "github.com/axllent/mailpit@$MAIL_VERSION" ||
    { rm -rf "$build"; fail "building Mailpit failed (see the output above)."; }
  mv "$build/mailpit" "$binary"
  rm -rf "$build"
}

# Mailpit reads htpasswd files; apr1 hashes (openssl passwd) keep the passwords out of them.
write_mail_auth() {
  (
    umask 077
    printf 'portal:%s\n' "$(openssl passwd -apr1 "$(password_of portal)")" >"$MAIL_DATA/smtp.auth"
    printf 'admin:%s\n' "$(openssl passwd -apr1 "$(password_of admin)")" >"$MAIL_DATA/api.auth"
  )
}

start_mail() {
  require_command openssl "install openssl (it hashes the mail server's passwords)."
  (umask 077 && mkdir -p "$MAIL_DATA")
  write_mail_auth
  launch mail "$(mail_binary)" --database "$MAIL_DATA/mailpit.db" --max-age 7d --disable-version-check \
    --listen "$LETHE_HOST:$LETHE_MAIL_API_PORT" --ui-auth-file "$MAIL_DATA/api.auth" \
    --ui-tls-cert "$TLS_SERVER_CERT" --ui-tls-key "$TLS_SERVER_KEY" \
    --smtp "$LETHE_HOST:$LETHE_MAIL_SMTP_PORT" --smtp-auth-file "$MAIL_DATA/smtp.auth" \
    --smtp-tls-cert "$TLS_SERVER_CERT" --smtp-tls-key "$TLS_SERVER_KEY" --smtp-require-starttls
}
