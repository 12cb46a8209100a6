# The fallback node as a container: the Node server bundled with esbuild, no node_modules at run time.
# Build: docker build -t oso-fallback .    Run: docker run -p 8080:8080 -e FALLBACK_STORE=s3://bucket/prefix oso-fallback
FROM node:22-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY lib ./lib
COPY functions ./functions
# createRequire lets bundled CommonJS dependencies (the AWS SDK) call require() from the ESM bundle.
RUN npx esbuild functions/server.ts --bundle --platform=node --format=esm --target=node22 \
      --outfile=dist/server.mjs --legal-comments=none \
      --banner:js="import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);"

FROM node:22-slim
# A fixed, low mmap threshold: glibc maps every block of 32 KiB or more on its own and unmaps it when freed, so a
# replaced snapshot's buffers and the scratch memory of loading (V8 compiling sql.js on its threads) go back to
# the OS instead of staying in glibc's per-thread heaps. 1M facts, RSS once loaded: 126-128 MiB every start; with
# 131072 127-145 MiB; with glibc's default (dynamic) threshold 155-190 MiB (BENCHMARKS.md).
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    MALLOC_MMAP_THRESHOLD_=32768
WORKDIR /app
COPY --from=build /src/dist/server.mjs ./server.mjs
# sql.js as a file too, so snapshot checks can run in a worker thread beside the bundle (see lib/snapshot/verify-worker.ts).
COPY --from=build /src/node_modules/sql.js/package.json ./node_modules/sql.js/package.json
COPY --from=build /src/node_modules/sql.js/dist/sql-wasm-inline.js ./node_modules/sql.js/dist/sql-wasm-inline.js
USER node
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/healthcheck').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# SIGTERM reaches node directly (exec form), which drains in-flight requests before exiting.
# Semi-spaces of at most 4 MiB (V8's default grows to 16): after load tests a 1M server held 137.5 MiB instead
# of 162-170, at the same throughput (1 MiB saved no more and cost 8-12 % of the list-heavy mix; BENCHMARKS.md).
CMD ["node", "--max-semi-space-size=4", "server.mjs"]
