FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

RUN useradd --create-home --uid 1000 illdesk
COPY pyproject.toml constraints.txt README.md ./
RUN pip install -c constraints.txt -e .
COPY . .
RUN ILLDESK_PRODUCTION=true SECRET_KEY=collectstatic-only-not-a-real-key-000000000000000000000 \
    python manage.py collectstatic --noinput && chown -R illdesk /app
USER illdesk

EXPOSE 8000
CMD ["gunicorn", "illdesk.wsgi", "--bind", "0.0.0.0:8000", "--workers", "2", "--access-logfile", "-"]
