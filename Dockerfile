# syntax=docker/dockerfile:1
# One image for every Folio process; its first argument picks which one runs
# (infra/docker/entrypoint.sh):
#   docker run folio            → start: API + collaboration server + worker in one process
#   docker run folio api        → the REST API alone (API_PORT 3000)
#   docker run folio collab     → one collaboration node (COLLAB_PORT 1234)
#   docker run folio migrate    → apply migrations and exit (once per deploy)
#   docker run folio worker     → one background worker (webhooks, erasures; any number)
#   docker run folio folio user list → any admin command
#   docker run folio smoke      → the deploy smoke test (the canary analysis runs it as a Job)
# The final stage holds only `pnpm deploy --prod` output: compiled JavaScript and
# production dependencies, no sources, no dev dependencies, no pnpm.
ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /src
ENV CI=1
RUN npm install --global --no-audit --no-fund pnpm@10.34.8
COPY pnpm-lock.yaml pnpm-workspace.yaml package.json .npmrc ./
COPY shared/package.json shared/
COPY migrations/package.json migrations/
COPY server/package.json server/
COPY api/package.json api/
COPY worker/package.json worker/
COPY cli/package.json cli/
COPY e2e/package.json e2e/
COPY bench/package.json bench/
COPY examples/package.json examples/
COPY web/package.json web/
RUN pnpm install --frozen-lockfile
COPY tsconfig.base.json tsconfig.json ./
COPY shared shared
COPY migrations migrations
COPY server server
COPY api api
COPY worker worker
COPY cli cli
COPY web web
RUN pnpm exec tsc -b cli \
  && pnpm --filter @folio/web run build \
  && pnpm --filter @folio/cli deploy --prod --legacy /out \
  && rm -rf /out/src /out/tsconfig.json /out/node_modules/@folio/*/src /out/node_modules/@folio/*/tsconfig.json

FROM ${NODE_IMAGE} AS runtime
ARG VERSION=dev
ARG REVISION=unknown
ARG CREATED=unknown
LABEL org.opencontainers.image.title="folio" \
      org.opencontainers.image.description="Folio: collaborative documents — REST API, collaboration server and admin CLI in one image" \
      org.opencontainers.image.source="https://github.com/folio/folio" \
      org.opencontainers.image.licenses="UNLICENSED" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.base.name="${NODE_IMAGE}"
ENV NODE_ENV=production HOST=0.0.0.0 DATA_DIR=/data API_PORT=3000 COLLAB_PORT=1234
WORKDIR /app
COPY --from=build --chown=root:root /out /app
COPY --chown=root:root --chmod=0755 infra/docker/entrypoint.sh /usr/local/bin/folio-entrypoint
COPY --chown=root:root --chmod=0644 infra/docker/healthcheck.mjs /usr/local/lib/folio-healthcheck.mjs
COPY --chown=root:root --chmod=0644 infra/docker/smoke.mjs /usr/local/lib/folio-smoke.mjs
RUN mkdir -p /data && chown node:node /data && chmod 0700 /data
USER node
VOLUME ["/data"]
EXPOSE 3000 1234 3001
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "/usr/local/lib/folio-healthcheck.mjs"]
ENTRYPOINT ["/usr/local/bin/folio-entrypoint"]
CMD ["start"]
