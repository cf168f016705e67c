# The local certificate authority: made once at the first `up`, under .lethe/tls (0700, keys
# 0600). One server certificate (localhost, 127.0.0.1) serves every server of the stack and
# every Lethe service; clients trust ca.crt and nothing else. `reset` keeps it, like the
# installed servers, so a user's own tooling keeps trusting the same CA.

TLS_DIR=${LETHE_TLS_DIR:-$LETHE_HOME/tls}
TLS_CA_CERT=$TLS_DIR/ca.crt
TLS_SERVER_CERT=$TLS_DIR/server.crt
TLS_SERVER_KEY=$TLS_DIR/server.key
TLS_DAYS=825 # the longest validity clients accept for a server certificate
# The names the server certificate is valid for (docker-compose adds its containers' names).
TLS_SERVER_NAMES=${TLS_SERVER_NAMES:-DNS:localhost,IP:127.0.0.1}

ensure_tls() {
  [ -s "$TLS_CA_CERT" ] && [ -s "$TLS_SERVER_CERT" ] && [ -s "$TLS_SERVER_KEY" ] && return 0
  require_command openssl "install OpenSSL (Debian: apt-get install -y openssl); it makes the local CA."
  say "making the local certificate authority in $TLS_DIR"
  (
    umask 077
    mkdir -p "$TLS_DIR"
    chmod 700 "$TLS_DIR"
    cd "$TLS_DIR"
    openssl req -x509 -new -nodes -newkey rsa:2048 -sha256 -days "$TLS_DAYS" \
      -keyout ca.key -out ca.crt -subj "/CN=Lethe local CA" \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
    openssl req -new -nodes -newkey rsa:2048 -sha256 -keyout server.key -out server.csr \
      -subj "/CN=localhost" 2>/dev/null
    printf '%s\n' "subjectAltName=$TLS_SERVER_NAMES" "basicConstraints=CA:FALSE" \
      "keyUsage=critical,digitalSignature,keyEncipherment" "extendedKeyUsage=serverAuth,clientAuth" >server.ext
    openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -sha256 \
      -days "$TLS_DAYS" -extfile server.ext -out server.crt 2>/dev/null
    rm -f server.csr server.ext ca.srl
    chmod 644 ca.crt
  ) || fail "openssl could not make the local CA in $TLS_DIR."
}
