#!/usr/bin/env bash
# Makes docker.io/library/node:22-bookworm-slim (the Dockerfile's FROM) present in buildah's store:
#
#   1. pulled from Docker Hub when the registry answers, else
#   2. the stand-in already in the store, else the stand-in saved under .cache/image/, else
#   3. a stand-in built here, as the official image is made (github.com/nodejs/docker-node,
#      22/bookworm-slim/Dockerfile): Debian bookworm (debootstrap --variant=minbase from this
#      machine's apt mirror, trimmed like debian:bookworm-slim), Node 22 in /usr/local (the
#      nodejs.org build, from the npm package node-linux-<arch>@22), npm 10 in
#      /usr/local/lib/node_modules/npm, a `node` user and group (uid/gid 1000), the official
#      docker-entrypoint.sh, ENV NODE_VERSION, ENTRYPOINT and CMD. Left out: yarn and corepack,
#      which the project never uses.
#
# The stand-in is labelled with a key (this script's hash, the Node and npm versions, the
# architecture), so a changed recipe or a newer Node 22 builds it again. Needs root, buildah,
# debootstrap and npm. Prints one line saying which base it used.
set -euo pipefail

IMAGE=docker.io/library/node:22-bookworm-slim
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
CACHE="$ROOT/.cache/image"
KEY_LABEL=ride-duration.stand-in-key

if timeout 60 buildah pull --policy always --quiet "$IMAGE" >/dev/null 2>&1; then
  echo "base: $IMAGE pulled from the registry"
  exit 0
fi

case "$(dpkg --print-architecture)" in
  amd64) ARCH=x64 OPENSSL_ARCH=linux-x86_64 ;;
  arm64) ARCH=arm64 OPENSSL_ARCH=linux-aarch64 ;;
  *) echo "base: no Node 22 npm package for $(dpkg --print-architecture)" >&2; exit 1 ;;
esac
# The newest of each line, as the official tag follows Node 22's newest release (asked from /:
# the project's .npmrc is not npm's business here).
newest() { (cd / && npm view "$1" version --json | node -e 'const v = JSON.parse(require("fs").readFileSync(0, "utf8")); console.log([].concat(v).at(-1))'); }
NODE_VERSION="$(newest "node-linux-$ARCH@22")"
NPM_VERSION="$(newest npm@10)"
KEY="$(sha256sum "$0" | cut -c1-12)-node$NODE_VERSION-npm$NPM_VERSION-$ARCH"
ARCHIVE="$CACHE/node-22-bookworm-slim-$KEY.oci.tar"

stored_key() { buildah inspect --type image --format "{{index .OCIv1.Config.Labels \"$KEY_LABEL\"}}" "$IMAGE" 2>/dev/null || true; }
if [ "$(stored_key)" = "$KEY" ]; then
  echo "base: stand-in $KEY (already in buildah's store)"
  exit 0
fi
if [ -f "$ARCHIVE" ]; then
  buildah pull --quiet "oci-archive:$ARCHIVE" >/dev/null
  buildah tag "$(buildah images --quiet --filter "label=$KEY_LABEL=$KEY" | head -n1)" "$IMAGE"
  echo "base: stand-in $KEY (from $ARCHIVE)"
  exit 0
fi

# The first Debian mirror in this machine's apt sources (deb822 `URIs:` or one-line `deb`), in
# the files apt reads.
apt_mirror() {
  { cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null || true; } |
    sed -nE 's#^(URIs:|deb) *(https?://[^ ]*/debian/?)( .*)?$#\2#p' | head -n1
}
MIRROR="$(apt_mirror)"
MIRROR="${MIRROR:-http://deb.debian.org/debian}"

started=$SECONDS
work="$(mktemp -d)"
ctr="$(buildah from scratch)"
cleanup() { buildah rm "$ctr" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
rootfs="$(buildah mount "$ctr")"

debootstrap --variant=minbase bookworm "$rootfs" "$MIRROR" >"$work/debootstrap.log" 2>&1 ||
  { tail -n 20 "$work/debootstrap.log" >&2; exit 1; }
# debian:bookworm-slim: no package lists, caches or documentation in the image,
# and dpkg keeps documentation out of later installs.
rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/* "$rootfs"/var/log/*.log
find "$rootfs"/usr/share/doc -mindepth 1 ! -name copyright ! -type d -delete
rm -rf "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* "$rootfs"/usr/share/locale/*
cat >"$rootfs/etc/dpkg/dpkg.cfg.d/docker" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
EOF

chroot "$rootfs" groupadd --gid 1000 node
chroot "$rootfs" useradd --uid 1000 --gid node --shell /bin/bash --create-home node

(cd "$work" && npm pack --silent "node-linux-$ARCH@$NODE_VERSION" "npm@$NPM_VERSION" >/dev/null)
mkdir -p "$work/node" "$rootfs/usr/local/lib/node_modules/npm"
tar -xzf "$work/node-linux-$ARCH-$NODE_VERSION.tgz" -C "$work/node" --strip-components=1 --no-same-owner
cp -R "$work/node/bin" "$work/node/include" "$work/node/share" "$rootfs/usr/local/"
# As the official image: only this architecture's OpenSSL headers.
find "$rootfs/usr/local/include/node/openssl/archs" -mindepth 1 -maxdepth 1 ! -name "$OPENSSL_ARCH" -exec rm -rf {} +
tar -xzf "$work/npm-$NPM_VERSION.tgz" -C "$rootfs/usr/local/lib/node_modules/npm" --strip-components=1 --no-same-owner
ln -s node "$rootfs/usr/local/bin/nodejs"
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"
# The official image's entrypoint contract: a first argument that is an option, or not a command,
# or a non-executable file, is given to node; then the command replaces the shell (exec), so
# whatever CMD starts is PID 1.
cat >"$rootfs/usr/local/bin/docker-entrypoint.sh" <<'EOF'
#!/bin/sh
set -e
if [ "${1#-}" != "$1" ] || ! command -v "$1" >/dev/null 2>&1 || { [ -f "$1" ] && [ ! -x "$1" ]; }; then
  set -- node "$@"
fi
exec "$@"
EOF
chmod 755 "$rootfs/usr/local/bin/docker-entrypoint.sh"
chroot "$rootfs" node --version >/dev/null
chroot "$rootfs" npm --version >/dev/null
# Device nodes come from the container runtime, not the image.
rm -rf "$rootfs"/dev/*

buildah umount "$ctr" >/dev/null
buildah config \
  --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  --env NODE_VERSION="$NODE_VERSION" \
  --entrypoint '["docker-entrypoint.sh"]' --cmd node \
  --label "$KEY_LABEL=$KEY" \
  --label "ride-duration.stand-in=Debian bookworm minbase from $MIRROR + node $NODE_VERSION + npm $NPM_VERSION" \
  "$ctr"
previous="$(buildah images --quiet "$IMAGE" 2>/dev/null || true)"
buildah commit --quiet --rm "$ctr" "$IMAGE" >/dev/null
# The stand-in this one replaces, unless something is built on it.
[ -z "$previous" ] || buildah rmi "$previous" >/dev/null 2>&1 || true
mkdir -p "$CACHE"
rm -f "$CACHE"/node-22-bookworm-slim-*.oci.tar
buildah push --quiet "$IMAGE" "oci-archive:$ARCHIVE"
echo "base: stand-in $KEY built in $((SECONDS - started)) s (saved to $ARCHIVE)"
