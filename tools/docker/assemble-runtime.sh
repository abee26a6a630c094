#!/bin/sh
# Assembles the runtime workspace of the Docker image: the example pipelines (declarations, configs,
# data pointers, the example data remote) and Cellar installed from its packed tarballs with
# production dependencies only. The image runs it; e2e/docker-runtime.spec.ts runs the same script.
#   assemble-runtime.sh <repo checkout> <folder of cellar-*.tgz> <target folder> [extra npm flags]
set -eu
repo=$1
packs=$2
app=$3
shift 3

mkdir -p "$app"
cd "$app"
cp "$repo/nx.json" "$repo/.env" .
mkdir -p .dvc && cp "$repo/.dvc/config" .dvc/config
cp -r "$repo/configs" configs
mkdir -p data && cp "$repo/data/project.json" data/ && cp -r "$repo/data/remote" data/remote
find "$repo/data" -name '*.dvc' -type f | while read -r pointer; do
  rel=${pointer#"$repo/"}
  mkdir -p "$(dirname "$rel")" && cp "$pointer" "$rel"
done
for declaration in "$repo"/apps/*/pipeline.yaml "$repo"/apps/*/sweep.yaml; do
  [ -f "$declaration" ] || continue
  rel=${declaration#"$repo/"}
  mkdir -p "$(dirname "$rel")" && cp "$declaration" "$rel"
done
nx_version=$(node -p "require('$repo/package.json').devDependencies.nx")
cat > package.json <<JSON
{ "name": "cellar-runtime", "private": true, "dependencies": { "nx": "$nx_version" } }
JSON
# shellcheck disable=SC2046
npm install --omit=dev --no-audit --no-fund "$@" "nx@$nx_version" $(ls "$packs"/cellar-*.tgz)
