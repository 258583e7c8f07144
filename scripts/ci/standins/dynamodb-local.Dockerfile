# Stand-in for amazon/dynamodb-local: the real DynamoDBLocal.jar (from the amplify-dynamodb-simulator
# npm package) on Debian's Java 17, laid out as the official image (WORKDIR /home/dynamodblocal,
# ENTRYPOINT java, port 8000). Like the official image, it ships no curl or wget.
FROM shop-standin/debian:bookworm
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless >/dev/null \
 && rm -rf /var/lib/apt/lists/* \
 && useradd -m -d /home/dynamodblocal -s /bin/sh dynamodblocal
WORKDIR /home/dynamodblocal
COPY --chown=dynamodblocal:dynamodblocal emulator/DynamoDBLocal.jar ./
COPY --chown=dynamodblocal:dynamodblocal emulator/DynamoDBLocal_lib ./DynamoDBLocal_lib/
USER dynamodblocal
EXPOSE 8000
ENTRYPOINT ["java"]
CMD ["-jar", "DynamoDBLocal.jar", "-inMemory"]
