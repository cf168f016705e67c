# Mailpit: the local mail server the portal sends sign-in codes and notices through, with an API
# the tests read mail from. Built from the Go module proxy. SMTP requires STARTTLS and a login
# (the `portal` principal sends); the web UI and API are HTTPS with a login (`admin` reads).
# Both under the local CA; nothing anonymous. No reverse DNS: a local server looks nothing up.

MAIL_VERSION=v1.33.1
MAIL_DATA=$DATA_DIR/mail

mail_binary() {
  echo "$OPT_DIR/mailpit-$MAIL_VERSION"
}

install_mail() {
  go_install_once "$(mail_binary)" "github.com/axllent/mailpit@$MAIL_VERSION" "Mailpit $MAIL_VERSION"
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
    --smtp-tls-cert "$TLS_SERVER_CERT" --smtp-tls-key "$TLS_SERVER_KEY" --smtp-require-starttls \
    --smtp-disable-rdns
}
