# Sourced: starts the stores the test suites use and exports TEST_MYSQL_URL, TEST_POSTGRES_URL and
# TEST_DYNAMODB_ENDPOINT. MariaDB and PostgreSQL are the machine's own (started if stopped); DynamoDB
# Local is the real DynamoDBLocal.jar shipped by the amplify-dynamodb-simulator package, on a free port.
DYNAMO_PID=""

wait_for() { # wait_for <seconds> <command...>
  local deadline=$((SECONDS + $1)); shift
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || return 1
    sleep 0.5
  done
}

free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }

start_stores() {
  if command -v mariadb >/dev/null 2>&1 || command -v mysql >/dev/null 2>&1; then
    local mysql_cli; mysql_cli=$(command -v mariadb || command -v mysql)
    if ! "$mysql_cli" -h127.0.0.1 -uroot -e 'select 1' >/dev/null 2>&1; then
      echo "starting MariaDB"
      start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd || true
      wait_for 60 "$mysql_cli" -h127.0.0.1 -uroot -e 'select 1' || { echo "MariaDB did not start" >&2; return 1; }
    fi
    "$mysql_cli" -h127.0.0.1 -uroot -e 'CREATE DATABASE IF NOT EXISTS shop_test'
    export TEST_MYSQL_URL="${TEST_MYSQL_URL:-mysql://root@127.0.0.1:3306/shop_test}"
  else
    echo "!!! no MariaDB/MySQL client on this machine: MySQL suites will be skipped" >&2
  fi

  if command -v psql >/dev/null 2>&1; then
    if ! psql -h127.0.0.1 -Upostgres -c 'select 1' >/dev/null 2>&1; then
      echo "starting PostgreSQL"
      pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
      wait_for 60 psql -h127.0.0.1 -Upostgres -c 'select 1' || { echo "PostgreSQL did not start" >&2; return 1; }
    fi
    psql -h127.0.0.1 -Upostgres -tc "select 1 from pg_database where datname='shop_test'" | grep -q 1 \
      || psql -h127.0.0.1 -Upostgres -qc 'create database shop_test'
    export TEST_POSTGRES_URL="${TEST_POSTGRES_URL:-postgresql://postgres@127.0.0.1:5432/shop_test}"
  else
    echo "!!! no PostgreSQL client on this machine: PostgreSQL suites will be skipped" >&2
  fi

  local emulator; emulator="$(pwd)/node_modules/amplify-dynamodb-simulator/emulator"
  if [ -z "${TEST_DYNAMODB_ENDPOINT:-}" ] && command -v java >/dev/null 2>&1 && [ -f "$emulator/DynamoDBLocal.jar" ]; then
    local port; port=$(free_port)
    # From a scratch folder: DynamoDB Local writes a metadata file into its working directory.
    (cd "$(mktemp -d)" && exec java -Djava.library.path="$emulator/DynamoDBLocal_lib" -jar "$emulator/DynamoDBLocal.jar" \
      -inMemory -disableTelemetry -port "$port") >/tmp/dynamodb-local-$port.log 2>&1 &
    DYNAMO_PID=$!
    wait_for 60 node -e "fetch('http://127.0.0.1:$port').then(()=>process.exit(0),()=>process.exit(1))" \
      || { echo "DynamoDB Local did not start" >&2; return 1; }
    export TEST_DYNAMODB_ENDPOINT="http://127.0.0.1:$port"
  elif [ -z "${TEST_DYNAMODB_ENDPOINT:-}" ]; then
    echo "!!! no java or DynamoDBLocal.jar: DynamoDB suites will be skipped" >&2
  fi
  echo "stores: TEST_MYSQL_URL=${TEST_MYSQL_URL:-} TEST_POSTGRES_URL=${TEST_POSTGRES_URL:-} TEST_DYNAMODB_ENDPOINT=${TEST_DYNAMODB_ENDPOINT:-}"
}

stop_stores() {
  if [ -n "$DYNAMO_PID" ]; then kill "$DYNAMO_PID" 2>/dev/null || true; fi
}
