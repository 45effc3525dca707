#!/usr/bin/env bash
# Packs demo-site as a self-contained App Service zip: dist/, public/, the docs it serves, and a
# real node_modules with production dependencies only.
#
# Why not zip the workspace: demo-site depends on the workspace packages server-kit and widget,
# which npm links with symlinks that a zip deploy does not carry. Each is packed with `npm pack`
# (exactly what a registry would serve) and unpacked into node_modules, so it holds copies. The
# other production dependencies are copied from the workspace's lockfile-resolved node_modules.
# Rejected: building on App Service (Oryx would install every workspace's dev tools); a fresh
# `npm install` in the stage (slow: a second resolution and extraction of ~200 packages, and it
# may pick versions newer than the ones tested).
#
# Usage: infra/scripts/package-demo-site.sh OUT.zip [--no-build] [--with-identity] [--keep-dir DIR]
#   --no-build        use the existing dist/ folders (npm run build already ran)
#   --keep-dir DIR    also leave the zipped folder at DIR (a new path), hard-linked: a test can run
#                     what the zip holds without unpacking 35,000 files
#   --with-identity   require @azure/identity (the Entra path; the kit depends on it anyway)
set -euo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
out=""
build=1
identity=0
keep=""
while [ $# -gt 0 ]; do
  arg="$1"
  shift
  case "$arg" in
    --keep-dir) keep="${1:?--keep-dir needs a folder}"; shift ;;
    --no-build) build=0 ;;
    --with-identity) identity=1 ;;
    -*) echo "package-demo-site: unknown option $arg" >&2; exit 2 ;;
    *) out="$arg" ;;
  esac
done
if [ -z "$out" ]; then
  echo "usage: $0 OUT.zip [--no-build] [--with-identity] [--keep-dir DIR]" >&2
  exit 2
fi
case "$out" in /*) ;; *) out="$PWD/$out" ;; esac
case "$keep" in /* | "") ;; *) keep="$PWD/$keep" ;; esac

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

# The production dependencies, copied from the workspace's node_modules exactly as
# package-lock.json resolved them (the versions the tests ran against), as hard links where the
# file system allows: packing needs neither the registry nor a second install. `npm ls` lists
# every package of demo-site's production tree, nested ones on their own lines. `npm ls` fails on
# a tree that does not match the lockfile: run npm ci first.
npm ls --omit=dev --all --parseable -w @grounded-chat/demo-site >"$stage/deps.txt"
node - "$root" "$stage" <<'JS'
// One process for the ~300 packages: a shell loop spends most of its time starting cp and rm.
const fs = require('node:fs');
const { dirname, join } = require('node:path');
const [root, stage] = process.argv.slice(2);
const prefix = `${root}/node_modules/`;
const listed = fs.readFileSync(join(stage, 'deps.txt'), 'utf8').split('\n');
const deps = [...new Set(listed.filter((p) => p.startsWith(prefix)).map((p) => p.slice(prefix.length)))]
  .filter((p) => !p.startsWith('@grounded-chat/'))
  .sort();
// Hard links where the file system allows, copies otherwise; a package's own nested
// node_modules is left out (it holds dev-only packages too): the nested packages the tree needs
// are listed, and copied, on their own.
let link = true;
function place(from, to, packageRoot = false) {
  const stat = fs.lstatSync(from);
  if (stat.isSymbolicLink()) return fs.symlinkSync(fs.readlinkSync(from), to);
  if (stat.isDirectory()) {
    fs.mkdirSync(to, { recursive: true });
    for (const entry of fs.readdirSync(from)) {
      if (packageRoot && entry === 'node_modules') continue;
      place(join(from, entry), join(to, entry));
    }
    return;
  }
  if (link) {
    try {
      return fs.linkSync(from, to);
    } catch {
      link = false;
    }
  }
  fs.copyFileSync(from, to);
}
for (const dep of deps) {
  const to = join(stage, 'node_modules', dep);
  fs.mkdirSync(dirname(to), { recursive: true });
  place(join(root, 'node_modules', dep), to, true);
}
fs.rmSync(join(stage, 'deps.txt'));
JS

# The workspace packages from their tarballs, in place of the workspace's symlinks.
for tgz in "$stage"/vendor/*.tgz; do
  name="$(tar -xzOf "$tgz" package/package.json | node -e 'process.stdout.write(JSON.parse(require("fs").readFileSync(0, "utf8")).name)')"
  mkdir -p "$stage/node_modules/$name"
  tar -xzf "$tgz" -C "$stage/node_modules/$name" --strip-components=1
done
rm -rf "$stage/vendor"

# The Entra path needs @azure/identity, a dependency of the kit: make sure it is there.
if [ "$identity" = 1 ] && [ ! -f "$stage/node_modules/@azure/identity/package.json" ]; then
  echo "package-demo-site: @azure/identity is not in demo-site's production dependencies" >&2
  exit 1
fi

# No dev dependencies, and the start command App Service would run.
node -e '
  const fs = require("fs");
  const file = process.argv[1];
  const pkg = JSON.parse(fs.readFileSync(file, "utf8"));
  delete pkg.devDependencies;
  pkg.scripts = { start: "node dist/server.js" };
  fs.writeFileSync(file, JSON.stringify(pkg, null, 2) + "\n");
' "$stage/package.json"

(
  cd "$stage"
  rm -f "$out"
  zip -qr "$out" .
)
if [ -n "$keep" ]; then
  mv "$stage" "$keep"
  trap - EXIT
fi
echo "$out"
