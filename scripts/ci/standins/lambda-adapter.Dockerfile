# Stand-in for public.ecr.aws/awsguru/aws-lambda-adapter: a /lambda-adapter that does nothing (the real
# one only acts inside a Lambda execution environment, which no local stack has).
FROM shop-standin/debian:bookworm AS make
RUN printf '#!/bin/sh\necho "offline stand-in for the Lambda Web Adapter: no Lambda runtime here" >&2\nexit 0\n' >/lambda-adapter \
 && chmod +x /lambda-adapter
FROM scratch
COPY --from=make /lambda-adapter /lambda-adapter
