# One image recipe for every service: docker build --build-arg SERVICE=ingest .
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY libs libs
COPY services services
COPY scripts scripts
COPY tsconfig.base.json tsconfig.json ./
RUN npm ci --no-audit --no-fund && node scripts/build.mjs && if [ -f libs/tracker/build.mjs ]; then node libs/tracker/build.mjs; fi

FROM node:24-bookworm-slim
ARG SERVICE
ENV NODE_ENV=production SERVICE=${SERVICE}
WORKDIR /app
COPY --from=build /app /app
USER node
CMD ["sh", "-c", "exec node --enable-source-maps services/${SERVICE}/dist/main.js"]
