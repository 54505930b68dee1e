# syntax=docker/dockerfile:1
# Vigie production image. Multi-stage: build with the full dependency tree (TypeScript, the
# Prisma CLI that `postinstall` uses to generate the client), then ship only the compiled
# dist/, the migrations and the production dependencies, running as the unprivileged `node`.

ARG NODE_IMAGE=node:20-bookworm-slim

# ---- build: full install, generate the Prisma client, compile, then drop devDependencies ----
FROM ${NODE_IMAGE} AS build
WORKDIR /app
ENV CI=true NPM_CONFIG_UPDATE_NOTIFIER=false NPM_CONFIG_FUND=false
# The lockfile, the build script and the schema are what `npm ci` + `postinstall`
# (node scripts/build.mjs --generate-only → prisma generate) need; copying them first keeps
# the dependency layer cached while only sources change.
# scripts/image-build.sh holds the install and build steps; CI runs the same script on a
# fresh clone (`all`), so this stage is proven without Docker.
COPY package.json package-lock.json prisma.config.ts ./
COPY scripts ./scripts
COPY prisma ./prisma
RUN --mount=type=cache,target=/root/.npm bash scripts/image-build.sh install
COPY tsconfig.json tsconfig.build.json ./
COPY bin ./bin
COPY src ./src
# Full build (client generation + tsc), devDependencies dropped, runtime contents checked.
# dist/generated/prisma holds the compiled client, so the prisma CLI is not needed at run time.
RUN bash scripts/image-build.sh build && bash scripts/image-build.sh check

# ---- runtime: compiled output + production node_modules only ----
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    DATA_DIR=/data \
    NPM_CONFIG_UPDATE_NOTIFIER=false
WORKDIR /app
# tini reaps zombies and forwards SIGTERM so `vigie start` shuts down gracefully.
# The network and QoS toolsets' binaries: ping and tracepath (iputils), ip and tc (iproute2).
# File capabilities let the unprivileged node user run them; the container must be granted
# the same capabilities (compose: cap_add [NET_RAW, NET_ADMIN]), never root.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini iputils-ping iputils-tracepath iproute2 libcap2-bin \
 && setcap cap_net_raw+ep "$(command -v ping)" \
 && setcap cap_net_admin+ep "$(command -v tc)" \
 && setcap cap_net_admin+ep "$(command -v ip)" \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /data/dedup && chown -R node:node /data
COPY --from=build --chown=node:node /app/package.json /app/package-lock.json ./
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
COPY --from=build --chown=node:node /app/bin ./bin
# Migrations are read at start-up (src/db/migrator.ts resolves ../../prisma/migrations from dist/).
COPY --from=build --chown=node:node /app/prisma ./prisma
USER node
VOLUME ["/data"]
EXPOSE 3000
# No curl in the slim image: Node's fetch probes /health (503 when the database is down).
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "--", "node", "bin/vigie.js"]
CMD ["start"]
