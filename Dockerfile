# syntax=docker/dockerfile:1
# One image for the API and the SFU (select with the command); the built client is served
# by the API container's static stage or any CDN. Build from the repository root:
#   docker build -t medspa .

FROM node:20-bookworm AS build
WORKDIR /src
# Debian packages for building mediasoup's worker offline (meson comes from backports).
COPY scripts/install-system-deps.sh scripts/
COPY scripts/mediasoup/ scripts/mediasoup/
RUN bash scripts/install-system-deps.sh
COPY package.json package-lock.json .npmrc ./
COPY shared-types/package.json shared-types/
COPY api/package.json api/
COPY sfu/package.json sfu/
COPY client/package.json client/
COPY scripts/ scripts/
# The audit trail's native fast paths (api/native/), built by npm ci's postinstall (scripts/native/build.mjs).
COPY api/native/ api/native/
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && npm run build --workspace client --if-present \
  && npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim AS runtime
# Shared libraries the offline-built mediasoup worker links against.
RUN apt-get update \
  && apt-get install -y --no-install-recommends libssl3 libuv1 libsrtp2-1 libusrsctp2 \
     libabsl20220623 liburing2 ca-certificates tini \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build --chown=node:node /src /app
USER node
EXPOSE 3000 4443 40000-40100/udp
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "api/dist/src/index.js"]
