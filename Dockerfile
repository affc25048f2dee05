# The gateway service image: the project and its locked run-time dependencies
# (no development tools) in a virtual environment, run as an unprivileged user.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    UV_PYTHON_DOWNLOADS=never \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    PATH=/app/.venv/bin:$PATH

RUN pip install --no-cache-dir uv==0.13.8 \
    && useradd --system --create-home --home-dir /home/lapor lapor

WORKDIR /app

# Dependencies first, so that a source change reuses this layer.
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project

COPY gateway ./gateway
COPY events ./events
COPY projections ./projections
COPY adapters ./adapters
COPY monitoring ./monitoring
COPY infra ./infra
RUN uv sync --frozen --no-dev --no-editable

USER lapor
EXPOSE 8000
CMD ["lapor-gateway", "run"]
