# khabar worker / producer image.
#   docker build -t khabar .
#   docker run --rm khabar --help
# The same image runs `khabar worker` (default), `khabar produce FILE` and `khabar extract`.
FROM python:3.11.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PYTHONIOENCODING=utf-8 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    KHABAR_WEB_HOST=0.0.0.0 \
    KHABAR_WEB_PORT=6066 \
    KHABAR_DATA_DIR=/data

# Unprivileged user; /data (KHABAR_DATA_DIR) is created here and owned by it so that a named
# volume mounted there starts out writable (Docker copies the image's ownership into a new volume).
RUN groupadd --system --gid 10001 khabar \
 && useradd --system --uid 10001 --gid khabar --create-home --home-dir /home/khabar --shell /usr/sbin/nologin khabar \
 && mkdir -p /app /data \
 && chown khabar:khabar /data

WORKDIR /app

# Only what the package and the demo need (see .dockerignore).
COPY pyproject.toml README.md ./
COPY streams ./streams
COPY schemas ./schemas
COPY examples ./examples

RUN pip install --no-cache-dir . \
 && khabar --help >/dev/null

USER khabar:khabar

EXPOSE 6066

ENTRYPOINT ["khabar"]
CMD ["worker"]
