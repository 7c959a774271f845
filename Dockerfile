# One image for every process of postmortems: web (the default command), worker, beat and
# the migrate step. See README "Running in production".
#   docker build -t postmortems .
#   docker run postmortems                                  # web on :8000
#   docker run postmortems celery -A config worker          # a worker
#   docker run postmortems celery -A config beat --schedule /tmp/celerybeat-schedule
#   docker run postmortems python manage.py migrate --no-input

# --- build: a virtualenv with the app's dependencies, wheels compiled here only ---------
FROM python:3.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
WORKDIR /src
COPY pyproject.toml README.md ./
# The dependencies alone first, so that a code change reuses this layer.
RUN /opt/venv/bin/pip install .
COPY . .
# Static files collected at build: the manifest storage serves them hashed via WhiteNoise.
# The settings need a key to load; this one signs nothing and is not in the final image's env.
RUN DJANGO_SETTINGS_MODULE=config.settings SECRET_KEY=collectstatic-only DEBUG=false \
    /opt/venv/bin/python manage.py collectstatic --no-input -v 0

# --- runtime: the virtualenv, the code and the collected files; no compilers ------------
FROM python:3.11-slim-bookworm AS runtime
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=config.settings \
    PORT=8000
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /app --shell /usr/sbin/nologin app
WORKDIR /app
COPY --from=build /opt/venv /opt/venv
COPY --from=build --chown=root:root /src /app
# The only writable place: beat's schedule file and uploads when no bucket is configured.
RUN mkdir -p /app/media /tmp/beat && chown app:app /app/media /tmp/beat
USER 10001:10001
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(f'http://127.0.0.1:{os.environ.get(\"PORT\", \"8000\")}/health/', timeout=4)"]
CMD ["gunicorn", "config.wsgi", "--config", "deploy/gunicorn.conf.py"]
