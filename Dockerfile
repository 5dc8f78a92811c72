# The local web service in a container, like the course's Flask/gunicorn image (EXPOSE 9696).
#   docker build -t ride-duration . && docker run -p 9696:9696 -e API_TOKEN="$(openssl rand -hex 32)" ride-duration
# It listens on all interfaces: without API_TOKEN it logs a warning at start and serves anyone.
FROM node:22-bookworm-slim
WORKDIR /app
# onnxruntime-node's install script downloads CUDA files; the CPU binaries ship in the package.
ENV ONNXRUNTIME_NODE_INSTALL=skip
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY lambda lambda
COPY models models
RUN npx esbuild lambda/local/server.ts --bundle --platform=node --target=node22 \
      --external:onnxruntime-node --outfile=dist/server.js \
 && npm prune --omit=dev
ENV HOST=0.0.0.0 PORT=9696 NODE_ENV=production
EXPOSE 9696
USER node
CMD ["node", "dist/server.js"]
