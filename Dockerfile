# syntax=docker/dockerfile:1
# One image for every Folio process; the command picks which one runs:
#   docker run folio                       → API + collaboration server + worker in one process
#   docker run folio node api/dist/main.js → the API alone
#   docker run folio node server/dist/main.js → one collaboration node
#   docker run folio node worker/dist/main.js → one background worker (webhooks, erasures)
FROM node:24-bookworm-slim AS build
WORKDIR /app
RUN npm install -g pnpm@10.34.8
COPY pnpm-lock.yaml pnpm-workspace.yaml package.json .npmrc ./
COPY shared/package.json shared/
COPY migrations/package.json migrations/
COPY server/package.json server/
COPY api/package.json api/
COPY worker/package.json worker/
COPY cli/package.json cli/
COPY e2e/package.json e2e/
RUN pnpm install --frozen-lockfile
COPY tsconfig.base.json tsconfig.json ./
COPY shared shared
COPY migrations migrations
COPY server server
COPY api api
COPY worker worker
COPY cli cli
COPY e2e e2e
RUN pnpm run build && pnpm --filter @folio/cli deploy --prod --legacy /out

FROM node:24-bookworm-slim
ENV NODE_ENV=production HOST=0.0.0.0 DATA_DIR=/data
WORKDIR /app
COPY --from=build /out /app
USER node
EXPOSE 3000 1234
CMD ["node", "dist/start.js"]
