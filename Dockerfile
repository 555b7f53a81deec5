# The bot in a slim image, run by an unprivileged user. Knowledge is read from /app/knowledge
# (mount your checkout there to curate live); the index, the question log and the pictures
# live in the /data volume.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    MPLCONFIGDIR=/tmp/matplotlib \
    KNOWLEDGE_DIR=/app/knowledge \
    BOT_DB_PATH=/data/index.sqlite \
    WEBHOOK_LISTEN=0.0.0.0
# 0.0.0.0 is the container's own interface: what reaches it is decided where the port is
# published (compose: 127.0.0.1 only, behind the host's TLS proxy).

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
RUN pip install . \
    && useradd --system --create-home --uid 10001 bot \
    && mkdir -p /data \
    && chown bot:bot /data
COPY knowledge ./knowledge

USER bot
VOLUME ["/data"]
# Only used in webhook mode (WEBHOOK_URL set); polling needs no open port.
EXPOSE 8443
HEALTHCHECK --interval=60s --timeout=10s --start-period=60s --retries=3 \
    CMD ["python", "-m", "bot", "health"]
# SIGTERM stops the bot cleanly (exit 0) after confirming the updates it handled.
STOPSIGNAL SIGTERM
CMD ["python", "-m", "bot", "run"]
