#!/usr/bin/env bash
# Writes the git-ignored files an overlay's secretGenerator reads: <overlay>/secrets/*.env and the
# identity signing key. Fresh random values for what the platform owns (INTERNAL_API_TOKEN, the JWT
# key); connection strings from the credentials the PostgreSQL and RabbitMQ operators generated.
#
#   DATABASE_PASSWORD=... AMQP_USER=... AMQP_PASSWORD=... deploy/k8s/scripts/make-secrets.sh deploy/k8s/overlays/dev
#
# Settings (with their defaults, matching deploy/k8s/examples/):
#   DATABASE_HOST=platform-postgres-rw  DATABASE_PORT=5432  DATABASE_USER=platform  DATABASE_PASSWORD (required)
#   AMQP_HOST=platform-rabbitmq  AMQP_PORT=5672  AMQP_USER, AMQP_PASSWORD (required)  AMQP_VHOST=/
# Existing files are kept (rerun with FORCE=1 to replace them, which also rotates the token and key).
# Optional secrets (OAuth client secrets, Stripe keys, SMTP password, ...) are written commented out:
# uncomment and fill in the ones you use.
set -euo pipefail

quote() { python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$1"; }

overlay=${1:?usage: make-secrets.sh OVERLAY_DIR}
out="$overlay/secrets"
: "${DATABASE_PASSWORD:?set DATABASE_PASSWORD (e.g. from the platform-postgres-app Secret)}"
: "${AMQP_USER:?set AMQP_USER (e.g. from the platform-rabbitmq-default-user Secret)}"
: "${AMQP_PASSWORD:?set AMQP_PASSWORD (e.g. from the platform-rabbitmq-default-user Secret)}"
db_host=${DATABASE_HOST:-platform-postgres-rw}
db_port=${DATABASE_PORT:-5432}
db_user=${DATABASE_USER:-platform}
amqp_host=${AMQP_HOST:-platform-rabbitmq}
amqp_port=${AMQP_PORT:-5672}
amqp_vhost=${AMQP_VHOST:-/}
# the default vhost "/" is the empty path (amqp://host:5672/); any other is URL-quoted
vhost_path=""
[[ "$amqp_vhost" == / ]] || vhost_path=$(quote "$amqp_vhost")

if [[ -e "$out/shared.env" && "${FORCE:-0}" != 1 ]]; then
  echo "$out already holds secrets; keeping them (FORCE=1 replaces them)" >&2
  exit 0
fi
mkdir -p "$out"
chmod 700 "$out"
umask 077

db_cred="$(quote "$db_user"):$(quote "$DATABASE_PASSWORD")"
database_url() { echo "postgresql+asyncpg://$db_cred@$db_host:$db_port/$1"; }

cat >"$out/shared.env" <<ENV
AMQP_URL=amqp://$(quote "$AMQP_USER"):$(quote "$AMQP_PASSWORD")@$amqp_host:$amqp_port/$vhost_path
INTERNAL_API_TOKEN=$(openssl rand -hex 32)
ENV

openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$out/jwt_private_key.pem" 2>/dev/null
cat >"$out/identity.env" <<ENV
IDENTITY_DATABASE_URL=$(database_url identity)
# GOOGLE_CLIENT_SECRET=
# MS_CLIENT_SECRET=
# BOOTSTRAP_ADMIN_PASSWORD=
ENV

cat >"$out/billing.env" <<ENV
BILLING_DATABASE_URL=$(database_url billing)
# STRIPE_SECRET_KEY=
# STRIPE_WEBHOOK_SECRET=
ENV

cat >"$out/onboarding.env" <<ENV
ONBOARDING_DATABASE_URL=$(database_url onboarding)
ENV

cat >"$out/notifications.env" <<ENV
NOTIFICATIONS_DATABASE_URL=$(database_url notifications)
# SMTP_PASSWORD=
# RESEND_API_KEY=
ENV

echo "wrote $out (git-ignored); now: kubectl apply -k $overlay"
