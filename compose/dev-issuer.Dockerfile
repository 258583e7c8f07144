# syntax=docker/dockerfile:1
# The dev issuer for the compose stack only (never deployed): discovery, JWKS and POST /token.
ARG NODE_IMAGE=node:24-bookworm-slim
FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
COPY libs/platform/package.json libs/platform/
COPY services/products/package.json services/products/
COPY services/orders/package.json services/orders/
COPY services/storefront/package.json services/storefront/
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY libs/platform libs/platform
RUN npx esbuild libs/platform/src/dev-issuer/cli.ts --bundle --platform=node --format=esm --target=node24 \
      --outfile=/app/dev-issuer.mjs

FROM ${NODE_IMAGE}
WORKDIR /app
COPY --from=build /app/dev-issuer.mjs ./
RUN mkdir -p /app/keys && chown node:node /app/keys
USER node
EXPOSE 8090
HEALTHCHECK --interval=5s --timeout=3s --retries=10 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8090/.well-known/jwks.json').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "dev-issuer.mjs", "serve", "--host", "0.0.0.0", "--port", "8090", "--keys-dir", "/app/keys", "--issuer", "http://dev-issuer:8090"]
