# The web service `npm start` runs, as a container image (the course's step 4, on port 9696):
#
#   docker build -t ride-duration .
#   export API_TOKEN="$(openssl rand -hex 32)"
#   docker run --rm -p 9696:9696 -e API_TOKEN ride-duration
#
# It is also a SageMaker model container: `docker run <image> serve` (what SageMaker runs) serves
# the same routes on port 8080, /ping and /invocations among them (docs/protocols.md).
#
# It is configured by the same environment as `npm start` (HOST is 0.0.0.0 here, PORT 9696,
# MODELS, API_TOKEN, WEB_CONCURRENCY, CAPTURE_LOCATION, ...); without API_TOKEN it logs a warning
# at start and serves anyone who can reach the port. It stops on SIGTERM: in-flight requests
# finish, capture and metrics are flushed. `npm run image:check` builds it with buildah, runs it
# and checks all of this (test/image/).

# ---- build: dev dependencies, the bundle, and what the runtime needs gathered in /out ----
FROM node:22-bookworm-slim AS build
WORKDIR /src
# onnxruntime-node's install script would download CUDA files; its CPU binaries ship in the package.
ENV ONNXRUNTIME_NODE_INSTALL=skip NPM_CONFIG_UPDATE_NOTIFIER=false
COPY package.json package-lock.json .npmrc ./
# --ignore-scripts: npm 10 runs dependencies' install scripts, and aws-lambda-ric's (a dev
# dependency for the tests) needs cmake and a compiler. Nothing built here needs a script:
# esbuild's binary is its platform package (@esbuild/linux-x64, an optional dependency npm
# installs anyway), onnxruntime-node's binaries ship in its package, and the other scripts
# (@swc/core, @parcel/watcher, protobufjs) only check or build things the tests use.
# The optional `ca` secret is for a build machine behind a TLS-inspecting proxy (its CA bundle;
# --secret id=ca,src=/etc/ssl/certs/ca-certificates.crt); it is never written to the image.
RUN --mount=type=secret,id=ca,required=false \
    if [ -f /run/secrets/ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/ca; fi; \
    npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY infra infra
COPY lambda lambda
COPY models models
# /out is the runtime image's /app. dist/: the server as the one build recipe (infra/bundling.ts)
# builds `npm start`'s (an ES module in chunks, source maps beside it for
# NODE_OPTIONS=--enable-source-maps), with of node_modules only onnxruntime, the one package the
# bundle leaves out (its native binding), this platform's binary alone as in the Lambda asset
# (the package holds ~290 MB for five), and the two files of swagger-ui-dist GET /docs serves.
# Then each model with its sidecar (reference profiles stay out: only the monitor reads them).
RUN set -eu; \
    npm run -s build -- --outdir /out/dist --program server --onnxruntime --docs-ui; \
    for model in $(find models -name '*.onnx' -not -path 'models/training/*'); do cp --parents "$model" "${model%.onnx}.json" /out/; done

# ---- runtime: the base image, the bundle, onnxruntime, the models; runs as `node` (uid 1000) ----
FROM node:22-bookworm-slim
WORKDIR /app
# Owned by root: the server (uid 1000) reads its code and models and cannot change them.
COPY --from=build /out ./
# SageMaker's `serve` argument: the base image's entrypoint runs a command it finds on PATH.
COPY --from=build /src/infra/container/serve /usr/local/bin/serve
ENV NODE_ENV=production HOST=0.0.0.0 PORT=9696
# onnxruntime-node 1.30 starts Microsoft's telemetry on Linux: a device id and an event database
# under ~/.cache, and HTTPS uploads to mobile.events.data.microsoft.com where it finds a CA bundle
# (this image has none, so it only warns on stderr). A prediction server reports to no third party.
ENV ORT_DISABLE_TELEMETRY=1
EXPOSE 9696 8080
USER node
# /health answers 200 once the models are loaded, without the bearer token. The image has no
# curl: node's fetch asks, on PORT or, started as `serve`, on SageMaker's port. (Docker keeps
# HEALTHCHECK; in OCI format, buildah's default, it is dropped: build with --format docker.)
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["node", "-e", "const e = process.env; Promise.any([e.PORT, e.SAGEMAKER_BIND_TO_PORT || 8080].map((p) => fetch(`http://127.0.0.1:${p}/health`).then((r) => r.ok || Promise.reject()))).then(() => process.exit(0), () => process.exit(1))"]
# The base image's entrypoint execs this, so node is PID 1: it handles SIGTERM itself
# (lambda/local/server.ts), which is what `docker stop` sends.
CMD ["node", "dist/server.mjs"]
