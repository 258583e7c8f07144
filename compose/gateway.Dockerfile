# syntax=docker/dockerfile:1
# The compose stack's gateway: nginx serving the built storefront and routing the API (nginx.conf).
ARG NODE_IMAGE=node:24-bookworm-slim
FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
COPY libs/platform/package.json libs/platform/
COPY services/products/package.json services/products/
COPY services/orders/package.json services/orders/
COPY services/storefront/package.json services/storefront/
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.base.json ./
# The storefront's money rule is the services' own (@shop/platform/money, a pure module).
COPY libs/platform/src/money.ts libs/platform/src/
COPY services/storefront services/storefront
RUN node services/storefront/build.ts --config services/storefront/public/config.json --out /site

FROM nginx:1.27-alpine
COPY compose/nginx.conf /etc/nginx/conf.d/default.conf
COPY --from=build /site /usr/share/nginx/html
