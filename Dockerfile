# syntax=docker/dockerfile:1
# One image per service, all from this file:
#   docker build --build-arg SERVICE=consent -t lethe-consent .
# SERVICE is account, consent, retention, erasure, audit, portal, or cli (the `lethe` command). The image runs the compiled service
# (node dist/main.js) as the unprivileged `node` user (uid 1000), with only its production dependencies;
# it writes nothing to its filesystem, so run it read-only (docker-compose.yml and deploy/k8s do).
ARG NODE_IMAGE=node:20.19-bookworm-slim

FROM ${NODE_IMAGE} AS build
ARG SERVICE
WORKDIR /repo
# pnpm is pinned in package.json; Corepack cannot fetch it on Node 20, so npm installs it.
RUN npm install --global --no-audit --no-fund pnpm@12.4.2
COPY . .
# Compile the service and the packages it uses, then copy it with its production dependencies
# alone (workspace packages as their compiled output) to /out.
RUN test -n "${SERVICE}" \
  && pnpm install --frozen-lockfile \
  && pnpm --filter "@lethe/${SERVICE}..." build \
  && pnpm --filter "@lethe/${SERVICE}" deploy --prod --legacy /out

# docker-compose's one-shot `setup` (--target setup): the CA, principals, keys and the servers'
# configurations, made by deploy/docker/setup.sh into the lethe-secrets volume.
FROM debian:bookworm-slim AS setup
# openssl makes the CA and keys; its version follows Debian's security updates, so it is not pinned.
# hadolint ignore=DL3008
RUN apt-get update \
  && apt-get install -y --no-install-recommends openssl \
  && rm -rf /var/lib/apt/lists/*
COPY deploy/local/lib /opt/lethe/local/lib
COPY deploy/docker/setup.sh /opt/lethe/docker/setup.sh
ENTRYPOINT ["bash", "/opt/lethe/docker/setup.sh", "/out"]

FROM ${NODE_IMAGE}
ARG SERVICE
ENV NODE_ENV=production \
    LETHE_SERVICE=${SERVICE}
WORKDIR /app
# Owned by root and not writable by the service's user.
COPY --from=build /out /app
COPY deploy/docker/healthcheck.mjs /usr/local/lib/lethe/healthcheck.mjs
# 1000 is the node image's unprivileged `node` user.
USER 1000:1000
EXPOSE 3000 3001 3002 3003 3004 3005
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "/usr/local/lib/lethe/healthcheck.mjs"]
ENTRYPOINT ["node", "dist/main.js"]
