# syntax=docker/dockerfile:1
# Build stage: install the package with its runtime dependencies into a venv and compile the
# gettext catalogs (aiogram's I18n loads only compiled .mo files).
FROM python:3.11-slim AS build
WORKDIR /src
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
COPY pyproject.toml README.md ./
COPY infomigra ./infomigra
COPY faq ./faq
COPY bot ./bot
COPY admin_api ./admin_api
COPY locales ./locales
RUN pip install --upgrade pip && pip install .
RUN pybabel compile -d locales -D messages

# Runtime stage: the venv and the compiled catalogs only, run as an unprivileged user.
FROM python:3.11-slim AS runtime
RUN useradd --create-home --uid 10001 infomigra
COPY --from=build /opt/venv /opt/venv
COPY --from=build --chown=infomigra:infomigra /src/locales /app/locales
WORKDIR /app
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    INFOMIGRA_DATA_DIR=/app/var \
    INFOMIGRA_LOCALES_DIR=/app/locales \
    INFOMIGRA_API_HOST=0.0.0.0 \
    INFOMIGRA_API_PORT=8000
RUN mkdir -p /app/var && chown infomigra:infomigra /app/var
USER infomigra
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status == 200 else 1)"
ENTRYPOINT ["infomigra"]
CMD ["serve"]
