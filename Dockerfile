# Chasqui — one container is a complete install:
#   docker run -d -p 3333:3333 -v chasqui:/app/storage <image>
# The embedded PostgreSQL keeps its data in /app/storage/postgres (the volume).
# Set DATABASE_URL (and REDIS_URL for several instances) to use external services.
# ffmpeg (Debian) turns voice notes recorded in the browser into the OGG/Opus Meta accepts.
FROM node:24-bookworm-slim

RUN apt-get update \
  && apt-get install -y --no-install-recommends tini ca-certificates locales ffmpeg \
  && sed -i 's/# en_US.UTF-8/en_US.UTF-8/' /etc/locale.gen && locale-gen \
  && rm -rf /var/lib/apt/lists/*

WORKDIR /app
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3333 \
    CHASQUI_STORAGE_PATH=/app/storage

COPY package.json package-lock.json ./
# The `node` devDependency only pins Node 24 for development machines; the image has its own.
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

COPY --chown=node:node . .
RUN mkdir -p /app/storage && chown -R node:node /app/storage

# PostgreSQL refuses to run as root: the app (and its embedded cluster) run as `node`.
USER node
VOLUME ["/app/storage"]
EXPOSE 3333

HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:3333/health').then((r) => process.exit(r.ok ? 0 : 1)).catch(() => process.exit(1))"

# The same command the tests exercise (tests/functional/npm_start.spec.ts).
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["npm", "start"]
