#!/usr/bin/env bash
# dockclip-cli pin: shows a self-signed recorder certificate's key
# fingerprint (the same openssl computes), stores it only with --save, and
# refuses a plain-HTTP recorder.  The "recorder" is openssl s_server on
# 127.0.0.1.
set -euo pipefail
cli=$1
dir=$(mktemp -d)
trap 'kill $server 2>/dev/null || true; rm -rf "$dir"' EXIT
cd "$dir"

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
  -subj "/CN=DS-7608NXI test recorder" -keyout key.pem -out cert.pem 2>/dev/null
want="sha256//$(openssl x509 -in cert.pem -pubkey -noout | openssl pkey -pubin -outform der |
               openssl dgst -sha256 -binary | openssl base64 -A)"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
openssl s_server -quiet -www -accept "127.0.0.1:$port" -cert cert.pem -key key.pem >/dev/null 2>&1 &
server=$!
for _ in $(seq 50); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  sleep 0.1
done

cat > dockclip.conf <<CONF
[dvr gate]
brand=hikvision
url=https://127.0.0.1:$port
user=admin
[dvr plain]
brand=dahua
url=http://127.0.0.1:$port
user=admin
CONF
chmod 600 dockclip.conf

out=$("$cli" pin --config dockclip.conf --dvr gate)
echo "$out"
grep -qF "$want" <<<"$out" || { echo "fingerprint is not $want"; exit 1; }
grep -q "DS-7608NXI test recorder" <<<"$out" || { echo "no certificate subject"; exit 1; }
! grep -q tls-pin dockclip.conf || { echo "stored without --save"; exit 1; }

"$cli" pin --config dockclip.conf --dvr gate --save >/dev/null
grep -qxF "tls-pin=$want" dockclip.conf || { echo "tls-pin not stored"; cat dockclip.conf; exit 1; }

if "$cli" pin --config dockclip.conf --dvr plain 2>err.txt; then
  echo "a plain-HTTP recorder was pinned"; exit 1
fi
grep -q "plain HTTP" err.txt
echo "ok"
