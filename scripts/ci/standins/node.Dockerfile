# Stand-in for node:24-bookworm-slim: Debian bookworm, Node 24 and npm 11 under /usr/local, user node (1000).
FROM shop-standin/debian:bookworm
COPY node/package/bin /usr/local/bin/
COPY npm/package /usr/local/lib/node_modules/npm/
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
 && groupadd -g 1000 node && useradd -u 1000 -g node -m -s /bin/sh node \
 && node --version
ENV NODE_VERSION=24 NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
CMD ["node"]
