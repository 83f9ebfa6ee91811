#!/usr/bin/env bash
# Proves that the package installs and works without Rust where a prebuilt addon ships, and
# fails clearly where none does. It goes through the release steps (docs/ARCHITECTURE.md,
# "Packages and prebuilt addons") on this machine's platform, with the addon `npm run build` made:
#   1. the build job's artifact (the .node) goes into an artifacts dir;
#   2. the publish job's `napi artifacts` moves it into npm/<platform>/, and `napi prepublish`
#      names the platform packages in optionalDependencies (here without publishing them);
#   3. `npm pack` makes both tarballs;
#   4. an empty project installs the main tarball (the platform package coming from its
#      optionalDependencies, pointed at the tarball with `overrides`), offline, with no Rust on
#      PATH but a fake `cargo` that records any call; then a real request to a node:http server;
#   5. without the platform package: `npm install` fails naming what is missing, and with
#      --ignore-scripts the first request fails with the same news.
# Needs only node and npm (no network: everything comes from the tarballs, the one runtime
# dependency, the CLI's cli-progress, and its own packed from the checkout's node_modules).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
started=$SECONDS

platform=$(node -p "require('./lib/native-target').platformArchAbi()")
addon="electron-net-rs.$platform.node"
version=$(node -p "require('./package.json').version")
[ -f "$addon" ] || { echo "pack-check: $addon not found: run npm run build first" >&2; exit 1; }
[ -f "npm/$platform/package.json" ] ||
  { echo "pack-check: no npm/$platform: add the target to napi.targets and run npx napi create-npm-dirs" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
napi="$root/node_modules/.bin/napi"
quiet() { "$@" >"$work/step.log" 2>&1 || { cat "$work/step.log" >&2; echo "pack-check: failed: $*" >&2; exit 1; }; }
fail() { echo "pack-check: FAILED: $*" >&2; exit 1; }

# 1-2. The package as `npm pack` sees it (its "files"), plus npm/, in a staging copy: prepublish
# rewrites package.json, which must not happen to the checkout.
mkdir -p "$work/artifacts" "$work/tarballs"
cp "$addon" "$work/artifacts/"
quiet npm pack --pack-destination "$work"
tar -xzf "$work/electron-net-rs-$version.tgz" -C "$work"
stage="$work/package"
cp -r npm "$stage/"
quiet "$napi" artifacts --cwd "$stage" --output-dir "$work/artifacts"
quiet "$napi" prepublish --cwd "$stage" -t npm --no-gh-release --skip-optional-publish

# 3. The two tarballs a publish would upload.
quiet npm pack "$stage/npm/$platform" --pack-destination "$work/tarballs"
quiet npm pack "$stage" --pack-destination "$work/tarballs"
main_tgz="$work/tarballs/electron-net-rs-$version.tgz"
platform_tgz="$work/tarballs/electron-net-rs-$platform-$version.tgz"
tar -tzf "$main_tgz" | grep -q '\.node$' && fail "the main tarball carries a .node"
tar -xzOf "$main_tgz" package/package.json |
  node -e 'const p = JSON.parse(require("fs").readFileSync(0)); const want = process.argv[1]
    if (!p.optionalDependencies || !p.optionalDependencies[want]) { console.error("no optionalDependencies entry for " + want); process.exit(1) }
    const deps = Object.keys(p.dependencies || {}).filter((d) => d !== "cli-progress")
    if (deps.length) { console.error("runtime dependencies beyond the CLI progress bar: " + deps); process.exit(1) }' \
  "electron-net-rs-$platform" || fail "the main tarball's package.json"
echo "pack-check: packed $(basename "$main_tgz") ($(du -k "$main_tgz" | cut -f1) KiB), $(basename "$platform_tgz") ($(du -k "$platform_tgz" | cut -f1) KiB)"

# No Rust: PATH without any directory holding cargo or rustc, and a fake cargo (and rustc) first
# that records the call and fails.
mkdir -p "$work/bin"
for tool in cargo rustc; do
  printf '#!/bin/sh\necho "%s $*" >> "%s/compiler-called"\nexit 1\n' "$tool" "$work" > "$work/bin/$tool"
  chmod +x "$work/bin/$tool"
done
no_rust_path="$work/bin"
IFS=: read -ra dirs <<< "$PATH"
for dir in "${dirs[@]}"; do
  { [ -x "$dir/cargo" ] || [ -x "$dir/rustc" ]; } && continue
  no_rust_path="$no_rust_path:$dir"
done
no_rust() { env PATH="$no_rust_path" npm_config_offline=true npm_config_foreground_scripts=true npm_config_audit=false npm_config_fund=false "$@"; }

# The runtime dependencies as tarballs too (scripts/pack-check/runtime-deps.js says why), for
# both projects below.
deps=$(node scripts/pack-check/runtime-deps.js "$work/deps") || fail "packing the runtime dependencies"
project() { # name, extra overrides (JSON) -> package.json
  node -e 'const [name, deps, extra] = process.argv.slice(1)
    console.log(JSON.stringify({ name, private: true, overrides: { ...JSON.parse(deps), ...JSON.parse(extra) } }))' "$1" "$deps" "$2"
}

# 4. A user's project on this platform.
app="$work/app"
mkdir -p "$app"
project app "{ \"electron-net-rs-$platform\": \"file:$platform_tgz\" }" > "$app/package.json"
(cd "$app" && no_rust npm install "$main_tgz" > "$work/install.log" 2>&1) ||
  { cat "$work/install.log" >&2; fail "npm install of the packed package"; }
[ -e "$work/compiler-called" ] && fail "the install ran a compiler: $(cat "$work/compiler-called")"
grep -q "using the prebuilt addon" "$work/install.log" || { cat "$work/install.log" >&2; fail "the install step did not report the prebuilt addon"; }
installed="$app/node_modules/electron-net-rs"
[ -d "$app/node_modules/electron-net-rs-$platform" ] || fail "the platform package was not installed"
[ -z "$(find "$installed" -name '*.node' -o -name target -type d)" ] || fail "build output inside the installed package"
sed -n 's/^/  install: /p' "$work/install.log" | grep -i 'electron-net-rs\|script' || true
cp scripts/pack-check/request.js "$app/"
(cd "$app" && no_rust node request.js "electron-net-rs-$platform") || fail "a request through the installed package"
[ -e "$work/compiler-called" ] && fail "a compiler was called: $(cat "$work/compiler-called")"

# 5. A project where no prebuilt matches (here: the platform package is not there) and no Rust.
rm -f "$work/compiler-called"
bare="$work/bare"
mkdir -p "$bare"
project bare '{}' > "$bare/package.json"
if (cd "$bare" && no_rust npm install "$main_tgz" > "$work/bare.log" 2>&1); then
  fail "npm install succeeded without an addon and without Rust"
fi
grep -q "missing: the package electron-net-rs-$platform" "$work/bare.log" &&
  grep -q "missing: cargo on PATH" "$work/bare.log" ||
  { cat "$work/bare.log" >&2; fail "the failed install does not name what is missing"; }
echo "pack-check: without the platform package and without Rust, npm install fails with:"
grep -A4 "electron-net-rs: no usable prebuilt addon" "$work/bare.log" | sed 's/^/  /' | head -5
(cd "$bare" && no_rust npm install --ignore-scripts "$main_tgz" > "$work/bare.log" 2>&1) ||
  { cat "$work/bare.log" >&2; fail "npm install --ignore-scripts"; }
(cd "$bare" && node -e '
  process.exitCode = 1 // unless the error comes
  const request = require("electron-net-rs").net.request("http://127.0.0.1:9/")
  request.on("error", (err) => {
    process.exitCode = 0
    if (!/no native addon for .*electron-net-rs-/.test(err.message)) { console.error(err); process.exit(1) }
    console.log("pack-check: with --ignore-scripts, the first request fails with: " + err.message)
  })
  request.end()') || fail "the missing addon's error at the first request"
# The install step may only have asked whether cargo is there.
[ -e "$work/compiler-called" ] && grep -v '^cargo --version$' "$work/compiler-called" && fail "a compiler was run"

echo "pack-check: ok in $((SECONDS - started))s"
