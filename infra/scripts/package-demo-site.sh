#!/usr/bin/env bash
# Packs demo-site as a self-contained App Service zip: dist/, public/, the docs it serves, and a
# real node_modules with production dependencies only.
#
# Why not zip the workspace: demo-site depends on the workspace packages server-kit and widget,
# which npm links with symlinks that a zip deploy does not carry. Each is packed with `npm pack`
# (exactly what a registry would serve) and installed from its tarball, so node_modules holds
# copies. Rejected: building on App Service (Oryx would install every workspace's dev tools).
#
# Usage: infra/scripts/package-demo-site.sh OUT.zip [--no-build] [--with-identity]
#   --no-build        use the existing dist/ folders (npm run build already ran)
#   --with-identity   add @azure/identity (needed when the endpoint takes Entra tokens)
set -euo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
out=""
build=1
identity=0
for arg in "$@"; do
  case "$arg" in
    --no-build) build=0 ;;
    --with-identity) identity=1 ;;
    -*) echo "package-demo-site: unknown option $arg" >&2; exit 2 ;;
    *) out="$arg" ;;
  esac
done
if [ -z "$out" ]; then
  echo "usage: $0 OUT.zip [--no-build] [--with-identity]" >&2
  exit 2
fi
case "$out" in /*) ;; *) out="$PWD/$out" ;; esac

cd "$root"
if [ "$build" = 1 ]; then npm run build --silent; fi
for built in demo-site/dist/server.js server-kit/dist/index.js widget/dist/grounded-chat.js; do
  if [ ! -f "$built" ]; then
    echo "package-demo-site: $built is missing; run npm run build first" >&2
    exit 1
  fi
done

stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/vendor"
npm pack --silent --pack-destination "$stage/vendor" -w @grounded-chat/server-kit -w @grounded-chat/widget >/dev/null
cp -R demo-site/dist demo-site/public "$stage/"
cp -R docs "$stage/docs"
cp demo-site/package.json "$stage/package.json"

# Point the workspace dependencies at their tarballs, drop dev dependencies.
node - "$stage" <<'JS'
const { readdirSync, readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const stage = process.argv[2];
const file = join(stage, 'package.json');
const pkg = JSON.parse(readFileSync(file, 'utf8'));
const tarballs = readdirSync(join(stage, 'vendor'));
for (const name of Object.keys(pkg.dependencies ?? {})) {
  if (!name.startsWith('@grounded-chat/')) continue;
  const prefix = name.slice(1).replace('/', '-') + '-';
  const tgz = tarballs.find((t) => t.startsWith(prefix));
  if (!tgz) throw new Error(`no tarball packed for ${name}`);
  pkg.dependencies[name] = `file:vendor/${tgz}`;
}
delete pkg.devDependencies;
pkg.scripts = { start: 'node dist/server.js' };
writeFileSync(file, JSON.stringify(pkg, null, 2) + '\n');
JS

(
  cd "$stage"
  npm install --omit=dev --prefer-offline --no-audit --no-fund --loglevel=error >/dev/null
  if [ "$identity" = 1 ]; then
    npm install --omit=dev --no-audit --no-fund --loglevel=error '@azure/identity@^4' >/dev/null
  fi
  rm -rf vendor
  rm -f "$out"
  zip -qr "$out" .
)
echo "$out"
