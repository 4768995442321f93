# syntax=docker/dockerfile:1.7
# Nexus container images: one builder, the studio's web build, one shared runtime, and a
# target per process (api, orchestrator, worker; the api serves the studio). Build from the repository root, e.g.
#   docker build --target api -t nexus-api .
# No secrets are baked in: every credential arrives at run time as NEXUS_* env vars.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm
ARG UV_IMAGE=ghcr.io/astral-sh/uv:0.13.9
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${UV_IMAGE} AS uv

# ---------------------------------------------------------------------------
# builder: resolve the locked dependencies into /opt/venv (no dev or bench groups).
FROM ${PYTHON_IMAGE} AS builder
COPY --from=uv /uv /usr/local/bin/uv
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PYTHON=/usr/local/bin/python3.11 \
    UV_PROJECT_ENVIRONMENT=/opt/venv
WORKDIR /src
# Dependencies first, in their own layer, so a source change does not reinstall them.
# --no-default-groups as well as --no-dev: pyproject makes "bench" a default group too.
COPY pyproject.toml uv.lock README.md ./
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-default-groups --no-install-project
COPY src ./src
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-default-groups --no-editable

# ---------------------------------------------------------------------------
# web: the studio (Vue) built from its committed lockfile; its API types are generated from
# docs/openapi.json by the build. Only web/dist leaves this stage (into the api target).
FROM ${NODE_IMAGE} AS web
WORKDIR /src/web
COPY web/package.json web/package-lock.json ./
RUN --mount=type=cache,target=/root/.npm \
    npm ci --no-audit --no-fund --loglevel=error
COPY docs/openapi.json /src/docs/openapi.json
COPY web ./
RUN npm run build

# ---------------------------------------------------------------------------
# runtime: Debian media tools (ffprobe, espeak-ng, CJK fonts), tini as PID 1, non-root user.
FROM ${PYTHON_IMAGE} AS runtime
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        ca-certificates ffmpeg espeak-ng fonts-noto-cjk tini \
    && rm -rf /var/lib/apt/lists/*
RUN groupadd --system --gid 10001 nexus \
    && useradd --system --uid 10001 --gid 10001 --home-dir /var/lib/nexus \
        --no-create-home --shell /usr/sbin/nologin nexus \
    && mkdir -p /var/lib/nexus \
    && chown 10001:10001 /var/lib/nexus
COPY --from=builder /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HOME=/var/lib/nexus \
    NEXUS_DATA_DIR=/var/lib/nexus \
    NEXUS_LOG_FORMAT=json
WORKDIR /var/lib/nexus
USER 10001:10001
# tini forwards SIGTERM so workers and orchestrators drain and release their leases.
ENTRYPOINT ["/usr/bin/tini", "--", "nexus"]
CMD ["--help"]

# ---------------------------------------------------------------------------
FROM runtime AS orchestrator
CMD ["orchestrator"]

FROM runtime AS worker
CMD ["worker", "--pool", "cpu"]

# The api target is last so that a plain `docker build .` yields the gateway.
FROM runtime AS api
COPY --from=web /src/web/dist /opt/nexus/web
ENV NEXUS_GATEWAY__HOST=0.0.0.0 \
    NEXUS_GATEWAY__PORT=8000 \
    NEXUS_GATEWAY__WEB_DIR=/opt/nexus/web
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2)"]
CMD ["api"]
