# One image recipe for every service: docker build --build-arg SERVICE=ingest .
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY libs libs
COPY services services
COPY scripts scripts
COPY tsconfig.base.json tsconfig.json ./
# The same steps as `make build`: the services, the tracker, and the gateway's dashboard.
RUN npm ci --no-audit --no-fund && node scripts/build.mjs && if [ -f libs/tracker/build.mjs ]; then node libs/tracker/build.mjs; fi \
 && node services/gateway/web/build.mjs

FROM node:24-bookworm-slim
ARG SERVICE
ENV NODE_ENV=production SERVICE=${SERVICE}
WORKDIR /app
COPY --from=build /app /app
USER node
CMD ["sh", "-c", "exec node --enable-source-maps services/${SERVICE}/dist/main.js"]
