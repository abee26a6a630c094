# Runs the whole pipeline, as the reference project's image did: train, evaluate, print the metrics.
# docker build -t cellar-wine . && docker run --rm -v /path/to/dvc-remote:/remote cellar-wine
FROM node:20-bookworm-slim
WORKDIR /cellar
ENV NX_NO_CLOUD=true NX_DAEMON=false NX_TUI=false CELLAR_DATA_REMOTE=/remote
COPY . .
RUN npm ci --no-audit --no-fund && npm cache clean --force
CMD ["npx", "nx", "run-many", "-t", "notify", "--output-style=static"]
