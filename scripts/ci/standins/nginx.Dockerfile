# Stand-in for nginx:alpine: Debian's nginx with the official image's layout (/etc/nginx/nginx.conf
# including /etc/nginx/conf.d/*.conf, /usr/share/nginx/html, logs to stdout/stderr, port 80,
# CMD nginx -g 'daemon off;').
FROM shop-standin/debian:bookworm
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null \
 && rm -rf /var/lib/apt/lists/* /etc/nginx/sites-enabled /etc/nginx/sites-available /var/www \
 && mkdir -p /etc/nginx/conf.d /usr/share/nginx/html \
 && printf 'server {\n  listen 80;\n  location / { root /usr/share/nginx/html; index index.html; }\n}\n' >/etc/nginx/conf.d/default.conf \
 && printf '<!doctype html><title>nginx stand-in</title>\n' >/usr/share/nginx/html/index.html \
 && ln -sf /dev/stdout /var/log/nginx/access.log && ln -sf /dev/stderr /var/log/nginx/error.log \
 && useradd -r -s /usr/sbin/nologin nginx
COPY nginx.conf /etc/nginx/nginx.conf
EXPOSE 80
STOPSIGNAL SIGQUIT
CMD ["nginx", "-g", "daemon off;"]
