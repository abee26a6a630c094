# Runs the example pipelines as the reference project's image did (train, evaluate, print the metrics),
# from Cellar's compiled packages with production dependencies only.
#   docker build --build-arg GIT_COMMIT=$(git rev-parse HEAD) -t cellar-wine .
#   docker run --rm -v cellar-runs:/app/mlruns cellar-wine
# Volumes: /app/mlruns (the tracking store) and /app/data (pulled data; a bind mount of your own data
# folder replaces the example). The git commit is recorded on every run through CELLAR_GIT_COMMIT.

# 1. Build: compile the packages and pack them (what `npm publish` would ship).
FROM node:22-bookworm-slim AS build
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/* && npm install -g npm@11
WORKDIR /src
COPY . .
RUN npm ci --no-audit --no-fund \
 && mkdir /packs && node tools/scripts/build-packages.mjs --pack /packs

# 2. Runtime workspace: the example's configs and pointers, Cellar from the tarballs, no devDependency.
FROM node:22-bookworm-slim AS runtime-deps
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/* && npm install -g npm@11
COPY --from=build /packs /packs
COPY --from=build /src /src
RUN sh /src/tools/docker/assemble-runtime.sh /src /packs /app

# 3. The image: no compiler, no sources, a non-root user.
FROM node:22-bookworm-slim
RUN npm install -g npm@11 && npm cache clean --force
ARG GIT_COMMIT=""
ENV NODE_ENV=production NX_NO_CLOUD=true NX_DAEMON=false NX_TUI=false CELLAR_GIT_COMMIT=${GIT_COMMIT}
WORKDIR /app
COPY --from=runtime-deps --chown=node:node /app /app
USER node
VOLUME ["/app/mlruns", "/app/data"]
CMD ["npx", "nx", "run-many", "-t", "notify", "--output-style=static"]
